// PLACEHOLDER: replaced by the SCRAM implementation.
#include "sasl/scram.hpp"
