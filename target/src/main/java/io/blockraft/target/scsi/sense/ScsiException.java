package io.blockraft.target.scsi.sense;

/**
 * The one exception a SCSI handler throws to end a command with CHECK CONDITION. Carries the
 * reason and, optionally, the INFORMATION field (SPC-4 4.5.3: e.g. the miscompare offset of
 * COMPARE AND WRITE) and a sense-key specific field pointer (SPC-4 4.5.2.4.2).
 * Stack traces are not filled: this is control flow, not a bug.
 */
public final class ScsiException extends RuntimeException {
  private final SenseReason reason;
  private final long information; // -1: not valid
  private final int fieldPointer; // -1: not valid
  private final boolean inCdb;
  private final int bitPointer; // -1: not valid

  public ScsiException(SenseReason reason) {
    this(reason, -1, -1, true, -1);
  }

  private ScsiException(SenseReason reason, long information, int fieldPointer, boolean inCdb,
      int bitPointer) {
    super(reason.name(), null, false, false);
    this.reason = reason;
    this.information = information;
    this.fieldPointer = fieldPointer;
    this.inCdb = inCdb;
    this.bitPointer = bitPointer;
  }

  /** INVALID FIELD IN CDB pointing at byte {@code index} of the CDB. */
  public static ScsiException invalidCdbField(int index) {
    return new ScsiException(SenseReason.INVALID_FIELD_IN_CDB, -1, index, true, -1);
  }

  /** INVALID FIELD IN CDB pointing at bit {@code bit} of byte {@code index}. */
  public static ScsiException invalidCdbField(int index, int bit) {
    return new ScsiException(SenseReason.INVALID_FIELD_IN_CDB, -1, index, true, bit);
  }

  /** INVALID FIELD IN PARAMETER LIST pointing at byte {@code index} of the parameter data. */
  public static ScsiException invalidParameterField(int index) {
    return new ScsiException(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST, -1, index, false, -1);
  }

  /** Any reason with the INFORMATION field set. */
  public static ScsiException withInformation(SenseReason reason, long information) {
    return new ScsiException(reason, information, -1, true, -1);
  }

  public SenseReason reason() {
    return reason;
  }

  public long information() {
    return information;
  }

  public int fieldPointer() {
    return fieldPointer;
  }

  public boolean inCdb() {
    return inCdb;
  }

  public int bitPointer() {
    return bitPointer;
  }

  /** The sense bytes for this exception. */
  public byte[] toSense() {
    return SenseData.encode(this);
  }
}
