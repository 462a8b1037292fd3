#include "scalper/engine/journal.hpp"
