package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;

/**
 * The logical unit designators of SPC-4 7.8.6 Device Identification, for code outside this
 * package that must match them (SPC-4 6.4.5.3 Identification descriptor CSCD descriptors of
 * EXTENDED COPY name copy targets by these bytes). Derived by {@link VpdPages}, so the page and
 * every match agree.
 */
public final class LuIdentity {
  /** Designator type 3h, NAA (SPC-4 Table 474). */
  public static final int DESIGNATOR_TYPE_NAA = 3;

  private LuIdentity() {}

  /** The 8-byte NAA Locally Assigned designator (NAA 3h) of the LU. */
  public static byte[] naa(LogicalUnit lu) {
    return VpdPages.naa(lu);
  }
}
