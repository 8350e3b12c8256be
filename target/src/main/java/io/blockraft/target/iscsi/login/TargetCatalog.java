package io.blockraft.target.iscsi.login;

import java.util.List;
import java.util.Optional;

/** The targets this portal serves (login, SendTargets). Implemented by the node. */
public interface TargetCatalog {
  List<TargetInfo> targets();

  default Optional<TargetInfo> target(String name) {
    return targets().stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
  }

  /** CHAP credentials for discovery sessions, or null when discovery needs no authentication. */
  default ChapCredentials discoveryChap() {
    return null;
  }
}
