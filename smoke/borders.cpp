#include "smoke/borders.hpp"

namespace rig {

RealBorders make_real_borders() {
  RealBorders b;
  b.runner = make_process_runner();
  b.engines = make_engine_connector();
  b.images = make_image_source(*b.runner);
  return b;
}

}  // namespace rig
