#include "scalper/engine/digest.hpp"
