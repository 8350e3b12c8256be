package io.blockraft.target.scsi.pr;

import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.ArrayList;
import java.util.List;

/**
 * One PERSISTENT RESERVE OUT request, parsed from its CDB (SPC-4 6.16.1) and parameter list
 * (SPC-4 6.16.3 basic, 6.16.4 REGISTER AND MOVE). Parsing is pure; {@link PrStateMachine}
 * evaluates it.
 *
 * @param serviceAction SERVICE ACTION (00h..07h)
 * @param scope SCOPE field of the CDB
 * @param typeCode TYPE field of the CDB (validated by the service actions that use it)
 * @param reservationKey RESERVATION KEY
 * @param serviceActionKey SERVICE ACTION RESERVATION KEY
 * @param specIpt SPEC_I_PT
 * @param allTgPt ALL_TG_PT
 * @param aptpl APTPL
 * @param transportIds SPEC_I_PT TransportIDs, or the single REGISTER AND MOVE destination
 * @param unreg REGISTER AND MOVE: UNREG
 * @param relativeTargetPort REGISTER AND MOVE: RELATIVE TARGET PORT IDENTIFIER
 */
public record PrOutRequest(int serviceAction, int scope, int typeCode, long reservationKey,
    long serviceActionKey, boolean specIpt, boolean allTgPt, boolean aptpl,
    List<TransportId> transportIds, boolean unreg, int relativeTargetPort) {

  public static final int REGISTER = 0x00;
  public static final int RESERVE = 0x01;
  public static final int RELEASE = 0x02;
  public static final int CLEAR = 0x03;
  public static final int PREEMPT = 0x04;
  public static final int PREEMPT_AND_ABORT = 0x05;
  public static final int REGISTER_AND_IGNORE_EXISTING_KEY = 0x06;
  public static final int REGISTER_AND_MOVE = 0x07;

  /** Basic parameter list length (SPC-4 6.16.3). */
  public static final int BASIC_LENGTH = 24;
  /** Longest parameter list accepted: 24 bytes plus TransportIDs for a few hundred ports. */
  public static final int MAX_LENGTH = 64 * 1024;

  public PrOutRequest {
    transportIds = List.copyOf(transportIds);
  }

  /** Convenience for the basic service actions without TransportIDs. */
  public static PrOutRequest basic(int serviceAction, int typeCode, long reservationKey,
      long serviceActionKey, boolean allTgPt, boolean aptpl) {
    return new PrOutRequest(serviceAction, 0, typeCode, reservationKey, serviceActionKey, false,
        allTgPt, aptpl, List.of(), false, 0);
  }

  /**
   * The CDB of PERSISTENT RESERVE OUT (SPC-4 6.16.1).
   *
   * @param serviceAction SERVICE ACTION
   * @param scope SCOPE
   * @param typeCode TYPE
   * @param parameterListLength PARAMETER LIST LENGTH
   */
  public record Command(int serviceAction, int scope, int typeCode, int parameterListLength) {

    /**
     * Parses the CDB. A parameter list shorter than the basic 24 bytes, or longer than we accept,
     * is a PARAMETER LIST LENGTH ERROR before any data is transferred.
     */
    public static Command parse(byte[] cdb) {
      int sa = cdb[1] & 0x1f;
      long len = Cdb.u32(cdb, 5);
      if (len < BASIC_LENGTH || len > MAX_LENGTH) {
        throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
      }
      return new Command(sa, (cdb[2] >> 4) & 0x0f, cdb[2] & 0x0f, (int) len);
    }
  }

  /** Parses the parameter list {@code p} (exactly {@code cmd.parameterListLength()} bytes). */
  public static PrOutRequest parse(Command cmd, byte[] p) {
    long resKey = Cdb.u64(p, 0);
    long saKey = Cdb.u64(p, 8);
    if (cmd.serviceAction() == REGISTER_AND_MOVE) {
      return parseMove(cmd, p, resKey, saKey);
    }
    int flags = p[20] & 0xff;
    boolean specIpt = (flags & 0x08) != 0;
    boolean allTgPt = (flags & 0x04) != 0;
    boolean aptpl = (flags & 0x01) != 0;
    List<TransportId> ids = List.of();
    if (specIpt) {
      if (cmd.serviceAction() != REGISTER) {
        throw ScsiException.invalidParameterField(20); // SPC-4 6.16.3: SPEC_I_PT only for REGISTER
      }
      if (p.length < BASIC_LENGTH + 4) {
        throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
      }
      long tidLen = Cdb.u32(p, 24);
      if (BASIC_LENGTH + 4 + tidLen > p.length) {
        throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
      }
      ids = parseIds(p, BASIC_LENGTH + 4, BASIC_LENGTH + 4 + (int) tidLen);
    } else if (p.length != BASIC_LENGTH) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    return new PrOutRequest(cmd.serviceAction(), cmd.scope(), cmd.typeCode(), resKey, saKey,
        specIpt, allTgPt, aptpl, ids, false, 0);
  }

  private static List<TransportId> parseIds(byte[] p, int off, int end) {
    List<TransportId> ids = new ArrayList<>();
    while (off < end) {
      ids.add(TransportId.parse(p, off, end));
      off += TransportId.lengthAt(p, off);
    }
    return ids;
  }

  /** SPC-4 6.16.4 REGISTER AND MOVE parameter list. */
  private static PrOutRequest parseMove(Command cmd, byte[] p, long resKey, long saKey) {
    int flags = p[17] & 0xff;
    int rtpi = Cdb.u16(p, 18);
    long tidLen = Cdb.u32(p, 20);
    if (BASIC_LENGTH + tidLen > p.length) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    if (tidLen < 24) {
      throw ScsiException.invalidParameterField(20);
    }
    TransportId id = TransportId.parse(p, BASIC_LENGTH, BASIC_LENGTH + (int) tidLen);
    return new PrOutRequest(cmd.serviceAction(), cmd.scope(), cmd.typeCode(), resKey, saKey,
        false, false, (flags & 0x01) != 0, List.of(id), (flags & 0x02) != 0, rtpi);
  }
}
