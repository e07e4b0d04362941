"""From a mixture to stems: the engine (:mod:`diffsep.separation.engine`) and what it is made of:
its settings, segments and overlap-add, the whole band, the network's precision."""
