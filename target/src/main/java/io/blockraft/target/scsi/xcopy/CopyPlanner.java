package io.blockraft.target.scsi.xcopy;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.dispatch.ConflictClass;
import io.blockraft.target.scsi.dispatch.ReservationConflictException;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.LuIdentity;
import io.blockraft.target.scsi.xcopy.XcopyParameterList.BlockSegment;
import io.blockraft.target.scsi.xcopy.XcopyParameterList.Cscd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a parsed parameter list into copy steps before any data moves (SPC-4 6.4.5 / 6.4.6.5):
 * resolves the CSCD descriptors each segment names to logical units of this node (matching the
 * LU's NAA designator from VPD page 83h, as LIO's target_core_xcopy does), and checks each
 * segment against its devices: readiness, reservations, write protection, length and range.
 * Checking every segment first means a bad segment fails the command before any block is written.
 */
final class CopyPlanner {
  /** The CDB that stands for the copy's reads in the reservation checks of the source LU. */
  private static final byte[] READ_16 = cdb16(0x88);

  /**
   * One segment ready to run.
   *
   * @param index segment number (from 0)
   * @param source source LU
   * @param destination destination LU
   * @param sourceLba first source block
   * @param destinationLba first destination block
   * @param bytes bytes to copy (a whole number of blocks on both LUs)
   */
  record Step(int index, LogicalUnit source, LogicalUnit destination, long sourceLba,
      long destinationLba, long bytes) {}

  private final Collection<LogicalUnit> candidates;
  private final LogicalUnit own;
  private final ItNexus nexus;
  private final Map<Integer, LogicalUnit> resolved = new HashMap<>();

  CopyPlanner(Collection<LogicalUnit> candidates, LogicalUnit own, ItNexus nexus) {
    this.candidates = candidates;
    this.own = own;
    this.nexus = nexus;
  }

  List<Step> plan(XcopyParameterList list) {
    List<Step> steps = new ArrayList<>(list.segments().size());
    for (int i = 0; i < list.segments().size(); i++) {
      BlockSegment s = list.segments().get(i);
      LogicalUnit src = resolve(list.cscds(), s.sourceIndex());
      LogicalUnit dst = resolve(list.cscds(), s.destinationIndex());
      if (src.reservations().conflicts(nexus, ConflictClass.READ, READ_16)
          || dst.reservations().refusesDataChange(nexus)) {
        throw new ReservationConflictException();
      }
      int srcBs = src.volume().logicalBlockSize();
      int dstBs = dst.volume().logicalBlockSize();
      long bytes = (long) s.blocks() * (s.destinationCount() ? dstBs : srcBs);
      if (bytes % srcBs != 0 || bytes % dstBs != 0) {
        throw new ScsiException(SenseReason.UNEXPECTED_INEXACT_SEGMENT);
      }
      if (bytes > CopyLimits.MAX_SEGMENT_BYTES) {
        throw ScsiException.invalidParameterField(s.offset() + 10); // NUMBER OF BLOCKS
      }
      if (!inRange(s.sourceLba(), bytes / srcBs, src) || !inRange(s.destinationLba(), bytes / dstBs, dst)) {
        throw new ScsiException(SenseReason.COPY_ABORTED_NO_ADDITIONAL_SENSE);
      }
      if (bytes > 0 && dst.readOnly()) {
        throw new ScsiException(SenseReason.WRITE_PROTECTED);
      }
      steps.add(new Step(i, src, dst, s.sourceLba(), s.destinationLba(), bytes));
    }
    return steps;
  }

  private static boolean inRange(long lba, long blocks, LogicalUnit lu) {
    long capacity = lu.volume().blockCount();
    return lba >= 0 && lba <= capacity && blocks <= capacity - lba;
  }

  /** The LU CSCD descriptor {@code index} names, ready for I/O; COPY ABORTED when there is none. */
  private LogicalUnit resolve(List<Cscd> cscds, int index) {
    if (index >= cscds.size()) {
      throw new ScsiException(SenseReason.UNREACHABLE_COPY_TARGET);
    }
    LogicalUnit lu = resolved.get(index);
    if (lu == null) {
      Cscd d = cscds.get(index);
      lu = find(d);
      if (lu == null) {
        throw new ScsiException(SenseReason.COPY_TARGET_DEVICE_NOT_REACHABLE);
      }
      if (d.peripheralDeviceType() != 0) {
        throw new ScsiException(SenseReason.INCORRECT_COPY_TARGET_DEVICE_TYPE);
      }
      resolved.put(index, lu);
    }
    if (!lu.volume().isReady() || !lu.mediumPresent()) {
      throw new ScsiException(SenseReason.COPY_TARGET_DEVICE_NOT_REACHABLE);
    }
    return lu;
  }

  /**
   * The LU whose logical unit NAA designator (binary code set, LU association) equals the
   * descriptor's; the receiving LU first, then writable LUs, when several map the same volume.
   */
  private LogicalUnit find(Cscd d) {
    if (d.codeSet() != 1 || d.association() != 0
        || d.designatorType() != LuIdentity.DESIGNATOR_TYPE_NAA) {
      return null;
    }
    if (own != null && Arrays.equals(LuIdentity.naa(own), d.designator())) {
      return own;
    }
    LogicalUnit fallback = null;
    for (LogicalUnit lu : candidates) {
      if (lu != null && Arrays.equals(LuIdentity.naa(lu), d.designator())) {
        if (!lu.readOnly()) {
          return lu;
        }
        if (fallback == null) {
          fallback = lu;
        }
      }
    }
    return fallback;
  }

  private static byte[] cdb16(int opcode) {
    byte[] c = new byte[16];
    c[0] = (byte) opcode;
    return c;
  }
}
