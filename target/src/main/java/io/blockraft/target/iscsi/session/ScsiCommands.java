package io.blockraft.target.iscsi.session;

import io.blockraft.target.iscsi.login.SessionParams;
import io.blockraft.target.iscsi.pdu.Pdu;
import io.blockraft.target.scsi.ScsiTask;
import io.blockraft.target.scsi.TaskAttribute;

/**
 * RFC 7143 11.3 SCSI Command intake: flags (F, R, W, ATTR), Expected Data Transfer Length, the
 * CDB (bytes 32..47 plus an Extended CDB AHS, 11.2.2.3), immediate data rules (ImmediateData,
 * FirstBurstLength, InitialR2T) and the hand-off to CmdSN ordering.
 */
final class ScsiCommands {
  /** Longest CDB accepted: 16 bytes in the BHS + 244 in the extended CDB AHS. */
  static final int MAX_CDB_LENGTH = 260;
  static final int AHS_EXTENDED_CDB = 1;

  private ScsiCommands() {}

  static void onCommand(IscsiConnection conn, Pdu p) {
    SessionParams params = conn.params();
    int flags = p.flags();
    boolean fin = (flags & 0x80) != 0;
    boolean read = (flags & 0x40) != 0;
    boolean write = (flags & 0x20) != 0;
    int edtl = (int) Math.min(p.u32(20), Integer.MAX_VALUE);
    int immediateLength = p.dataSegmentLength();
    byte[] cdb = cdb(p);
    if (cdb == null) {
      conn.rejectCommand(p, TargetPdus.REJECT_PROTOCOL_ERROR);
      return;
    }
    if (immediateLength > 0 && (!write || !params.immediateData
        || immediateLength > params.firstBurstLength || immediateLength > edtl)) {
      conn.rejectCommand(p, TargetPdus.REJECT_PROTOCOL_ERROR);
      return;
    }
    if (!fin && (!write || params.initialR2T)) {
      // F=0 announces unsolicited Data-Out, only allowed for writes with InitialR2T=No
      conn.rejectCommand(p, TargetPdus.REJECT_PROTOCOL_ERROR);
      return;
    }
    if (conn.hasTask(p.itt())) {
      conn.rejectCommand(p, TargetPdus.REJECT_PROTOCOL_ERROR);
      return;
    }
    IscsiSession s = conn.session();
    ScsiTask st = new ScsiTask(s.nexus(), p.lun(), cdb, edtl, read, write,
        TaskAttribute.fromIscsi(flags & 7), p.itt());
    IscsiTask t = new IscsiTask(conn, st, p.i32(24), p.data(), !fin, p.bhs().clone());
    if (!conn.admit(t, p.immediate())) {
      t.abort(false); // outside the CmdSN window: silently ignored
    }
  }

  /** The CDB: 16 bytes from the BHS, extended by an Extended CDB AHS; null when malformed. */
  static byte[] cdb(Pdu p) {
    byte[] base = p.bytes(32, 16);
    byte[] ahs = p.ahs();
    int off = 0;
    while (off + 4 <= ahs.length) {
      int len = ((ahs[off] & 0xff) << 8) | (ahs[off + 1] & 0xff);
      int type = ahs[off + 2] & 0xff;
      int total = (3 + len + 3) & ~3;
      if (len == 0 || off + total > ahs.length) {
        return null;
      }
      if (type == AHS_EXTENDED_CDB) {
        int ext = len - 1; // byte 3 is reserved
        if (ext <= 0 || 16 + ext > MAX_CDB_LENGTH) {
          return null;
        }
        byte[] cdb = new byte[16 + ext];
        System.arraycopy(base, 0, cdb, 0, 16);
        System.arraycopy(ahs, off + 4, cdb, 16, ext);
        base = cdb;
      }
      off += total;
    }
    return base;
  }
}
