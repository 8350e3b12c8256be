package io.blockraft.target.scsi.spc;

import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.sense.ScsiException;
import java.util.List;

/**
 * Mode pages of one LU (SPC-4 7.5, SBC-4 6.5): caching (08h), control (0Ah) and informational
 * exceptions control (1Ch), in their current, changeable and default forms. Saved values are not
 * implemented (PS bit 0), so current values return to the defaults when the node restarts.
 *
 * <p>Changeable fields: WCE of the caching page and SWP of the control page. Every other byte of
 * a page sent with MODE SELECT must equal the current value (SPC-4 6.13: otherwise INVALID FIELD
 * IN PARAMETER LIST).
 */
public final class ModePages {
  public static final int CACHING = 0x08;
  public static final int CONTROL = 0x0A;
  public static final int INFORMATIONAL_EXCEPTIONS = 0x1C;
  public static final int ALL_PAGES = 0x3F;
  /** Page codes in the order MODE SENSE returns them for 3Fh. */
  public static final List<Integer> PAGE_CODES = List.of(CACHING, CONTROL, INFORMATIONAL_EXCEPTIONS);

  /** SPC-4 6.11.3 PAGE CONTROL field. */
  public enum PageControl {
    CURRENT, CHANGEABLE, DEFAULT, SAVED;

    public static PageControl of(int pc) {
      return values()[pc & 3];
    }
  }

  private static final int WCE = 0x04; // caching page byte 2
  private static final int SWP = 0x08; // control page byte 4
  private static final int DEFAULT_WCE = WCE;

  private final LogicalUnit lu;
  private volatile boolean writeCacheEnabled = true;
  private volatile boolean softwareWriteProtect;

  public ModePages(LogicalUnit lu) {
    this.lu = lu;
  }

  /** WCE bit of the caching page: when false every write is FUA. */
  public boolean writeCacheEnabled() {
    return writeCacheEnabled;
  }

  /** SWP bit of the control page (SPC-4 7.5.8): the LU is write-protected while set. */
  public boolean softwareWriteProtect() {
    return softwareWriteProtect;
  }

  /** True when {@code pageCode} (subpage 0) is implemented. */
  public static boolean supports(int pageCode) {
    return PAGE_CODES.contains(pageCode);
  }

  /** The page (with its 2-byte page_0 header) in the requested form. */
  public byte[] page(int pageCode, PageControl pc) {
    return switch (pageCode) {
      case CACHING -> caching(pc);
      case CONTROL -> control(pc);
      case INFORMATIONAL_EXCEPTIONS -> informationalExceptions(pc);
      default -> throw new IllegalArgumentException("page " + pageCode);
    };
  }

  /** SBC-4 6.5.5 Caching mode page: 20 bytes. */
  private byte[] caching(PageControl pc) {
    byte[] p = new byte[20];
    p[0] = CACHING;
    p[1] = 0x12;
    p[2] = (byte) switch (pc) {
      case CHANGEABLE -> WCE;
      case DEFAULT -> DEFAULT_WCE;
      default -> writeCacheEnabled ? WCE : 0;
    };
    return p;
  }

  /** SPC-4 7.5.8 Control mode page: 12 bytes. */
  private byte[] control(PageControl pc) {
    byte[] p = new byte[12];
    p[0] = CONTROL;
    p[1] = 0x0A;
    if (pc == PageControl.CHANGEABLE) {
      p[4] = SWP;
      return p;
    }
    // TST 000b (one task set), D_SENSE 0 (fixed format sense), GLTSD 0
    p[3] = 0x10; // QUEUE ALGORITHM MODIFIER 1: unrestricted reordering; QERR 00b
    if (pc == PageControl.CURRENT && softwareWriteProtect) {
      p[4] = SWP;
    }
    // ATO 0; TAS 1: tasks aborted on behalf of another I_T nexus (CLEAR TASK SET, LOGICAL UNIT
    // RESET, PREEMPT AND ABORT) end with TASK ABORTED status (TaskManager, TaskSetAborter);
    // AUTOLOAD MODE 0
    p[5] = 0x40;
    p[8] = (byte) 0xFF; // BUSY TIMEOUT PERIOD: unlimited
    p[9] = (byte) 0xFF;
    return p;
  }

  /** SPC-4 7.5.11 Informational Exceptions Control mode page: 12 bytes, nothing to report. */
  private byte[] informationalExceptions(PageControl pc) {
    byte[] p = new byte[12];
    p[0] = INFORMATIONAL_EXCEPTIONS;
    p[1] = 0x0A;
    if (pc != PageControl.CHANGEABLE) {
      p[2] = 0x08; // DEXCPT: informational exception operations disabled; MRIE 0
    }
    return p;
  }

  /**
   * Validates one page from a MODE SELECT parameter list (page_0 format, header included) against
   * the current and changeable values. Pure: changes nothing.
   *
   * @param list the whole parameter list
   * @param off offset of the page in {@code list}
   * @param len total page length including its 2-byte header
   * @throws ScsiException INVALID FIELD IN PARAMETER LIST pointing at the first bad byte
   */
  public void validate(byte[] list, int off, int len) {
    int code = list[off] & 0x3f;
    if (!supports(code)) {
      throw ScsiException.invalidParameterField(off);
    }
    byte[] current = page(code, PageControl.CURRENT);
    byte[] changeable = page(code, PageControl.CHANGEABLE);
    if (len != current.length) {
      throw ScsiException.invalidParameterField(off + 1);
    }
    for (int i = 2; i < len; i++) {
      int diff = (list[off + i] ^ current[i]) & ~changeable[i] & 0xff;
      if (diff != 0) {
        throw ScsiException.invalidParameterField(off + i);
      }
    }
  }

  /**
   * Applies a page already passed {@link #validate}.
   *
   * @return true when a current value changed
   */
  public synchronized boolean apply(byte[] list, int off) {
    int code = list[off] & 0x3f;
    boolean changed = false;
    if (code == CACHING) {
      boolean wce = (list[off + 2] & WCE) != 0;
      changed = wce != writeCacheEnabled;
      writeCacheEnabled = wce;
    } else if (code == CONTROL) {
      boolean swp = (list[off + 4] & SWP) != 0;
      changed = swp != softwareWriteProtect;
      softwareWriteProtect = swp;
    }
    return changed;
  }

  /** Back to the default values (not used by resets: SPC-4 keeps current values across LU reset). */
  public synchronized void restoreDefaults() {
    writeCacheEnabled = (DEFAULT_WCE & WCE) != 0;
    softwareWriteProtect = false;
  }

  LogicalUnit lu() {
    return lu;
  }
}
