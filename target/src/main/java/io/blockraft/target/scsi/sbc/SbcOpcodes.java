package io.blockraft.target.scsi.sbc;

/** SBC-4 operation codes and service actions implemented here (SBC-4 Annex A). */
public final class SbcOpcodes {
  public static final int READ_6 = 0x08;
  public static final int WRITE_6 = 0x0a;
  public static final int READ_CAPACITY_10 = 0x25;
  public static final int READ_10 = 0x28;
  public static final int WRITE_10 = 0x2a;
  public static final int WRITE_AND_VERIFY_10 = 0x2e;
  public static final int VERIFY_10 = 0x2f;
  public static final int PRE_FETCH_10 = 0x34;
  public static final int SYNCHRONIZE_CACHE_10 = 0x35;
  public static final int WRITE_SAME_10 = 0x41;
  public static final int UNMAP = 0x42;
  public static final int SANITIZE = 0x48;
  public static final int READ_16 = 0x88;
  public static final int COMPARE_AND_WRITE = 0x89;
  public static final int WRITE_16 = 0x8a;
  public static final int ORWRITE_16 = 0x8b;
  public static final int WRITE_AND_VERIFY_16 = 0x8e;
  public static final int VERIFY_16 = 0x8f;
  public static final int PRE_FETCH_16 = 0x90;
  public static final int SYNCHRONIZE_CACHE_16 = 0x91;
  public static final int WRITE_SAME_16 = 0x93;
  public static final int WRITE_ATOMIC_16 = 0x9c;
  public static final int SERVICE_ACTION_IN_16 = 0x9e;
  public static final int READ_12 = 0xa8;
  public static final int WRITE_12 = 0xaa;
  public static final int WRITE_AND_VERIFY_12 = 0xae;
  public static final int VERIFY_12 = 0xaf;

  /** SERVICE ACTION IN(16) service actions. */
  public static final int SA_READ_CAPACITY_16 = 0x10;
  public static final int SA_GET_LBA_STATUS = 0x12;

  /** SANITIZE service actions (SBC-4 5.19). */
  public static final int SA_SANITIZE_OVERWRITE = 0x01;
  public static final int SA_SANITIZE_BLOCK_ERASE = 0x02;
  public static final int SA_SANITIZE_CRYPTO_ERASE = 0x03;
  public static final int SA_SANITIZE_EXIT_FAILURE_MODE = 0x1f;

  private SbcOpcodes() {}
}
