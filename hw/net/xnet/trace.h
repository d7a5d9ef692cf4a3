#include "trace/trace-hw_net_xnet.h"
