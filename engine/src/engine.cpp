#include "scalper/engine/engine.hpp"
