package io.blockraft.target.scsi.pr;

/**
 * SPC-4 6.15.3.4 persistent reservation types (Table 170) and what each one excludes
 * (SPC-4 5.13.1).
 */
public enum PrType {
  WRITE_EXCLUSIVE(0x1, false, false, false),
  EXCLUSIVE_ACCESS(0x3, true, false, false),
  WRITE_EXCLUSIVE_REGISTRANTS_ONLY(0x5, false, true, false),
  EXCLUSIVE_ACCESS_REGISTRANTS_ONLY(0x6, true, true, false),
  WRITE_EXCLUSIVE_ALL_REGISTRANTS(0x7, false, false, true),
  EXCLUSIVE_ACCESS_ALL_REGISTRANTS(0x8, true, false, true);

  /** The TYPE field value. */
  public final int code;
  /** Reads from non-holders (non-registrants for the registrant types) conflict too. */
  public final boolean exclusiveAccess;
  /** Registrants Only: registered I_T nexuses get holder-like access. */
  public final boolean registrantsOnly;
  /** All Registrants: every registered I_T nexus is a reservation holder (SPC-4 5.13.10). */
  public final boolean allRegistrants;

  PrType(int code, boolean exclusiveAccess, boolean registrantsOnly, boolean allRegistrants) {
    this.code = code;
    this.exclusiveAccess = exclusiveAccess;
    this.registrantsOnly = registrantsOnly;
    this.allRegistrants = allRegistrants;
  }

  /** True for the types that admit every registrant (Registrants Only and All Registrants). */
  public boolean admitsRegistrants() {
    return registrantsOnly || allRegistrants;
  }

  /** The type for a TYPE field value, or null when the value is reserved/obsolete. */
  public static PrType of(int code) {
    for (PrType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
