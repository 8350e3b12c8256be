package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;

/**
 * Mode pages of one LU (SPC-4 7.5, SBC-4 6.5): caching, control, informational exceptions.
 * (Stub: the SPC work fills this in.)
 */
public final class ModePages {
  private final LogicalUnit lu;

  public ModePages(LogicalUnit lu) {
    this.lu = lu;
  }

  /** WCE bit of the caching page: when false every write is FUA. */
  public boolean writeCacheEnabled() {
    return true;
  }
}
