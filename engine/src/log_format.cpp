#include "scalper/engine/log_format.hpp"
