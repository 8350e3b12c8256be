package io.blockraft.target.scsi;

/**
 * One SCSI command as the transport hands it to the SCSI layer (SAM-5 5.1 Execute Command).
 * Immutable except for the abort flag the task manager sets.
 *
 * @param nexus the I_T nexus
 * @param lun the 64-bit LUN field exactly as received (SAM-5 4.7; see {@link Lun})
 * @param cdb the CDB (16 bytes or more from AHS; trailing bytes are zero)
 * @param expectedDataTransferLength EDTL from the transport (bytes)
 * @param read transport said data flows to the initiator
 * @param write transport said data flows to the target
 * @param attribute task attribute
 * @param tag initiator task tag (for task management)
 */
public record ScsiTask(ItNexus nexus, long lun, byte[] cdb, int expectedDataTransferLength,
    boolean read, boolean write, TaskAttribute attribute, int tag) {

  public int opcode() {
    return cdb[0] & 0xff;
  }
}
