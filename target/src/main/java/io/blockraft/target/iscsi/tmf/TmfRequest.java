package io.blockraft.target.iscsi.tmf;

import io.blockraft.target.iscsi.pdu.Pdu;

/**
 * RFC 7143 11.5 Task Management Function Request, parsed.
 *
 * @param function function code (11.5.1), byte 1 bits 6..0
 * @param lun LUN field (bytes 8..15)
 * @param itt Initiator Task Tag of the request itself
 * @param referencedTaskTag ITT of the task to abort (ABORT TASK), else 0xffffffff
 * @param cmdSn CmdSN of the request
 * @param refCmdSn CmdSN of the referenced task (ABORT TASK)
 * @param immediate the I bit
 */
public record TmfRequest(int function, long lun, int itt, int referencedTaskTag, int cmdSn,
    int refCmdSn, boolean immediate) {

  public static TmfRequest parse(Pdu p) {
    return new TmfRequest(p.flags() & 0x7f, p.lun(), p.itt(), p.i32(20), p.i32(24), p.i32(32),
        p.immediate());
  }
}
