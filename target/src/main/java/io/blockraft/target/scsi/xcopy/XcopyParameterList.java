package io.blockraft.target.scsi.xcopy;

import static io.blockraft.target.scsi.xcopy.CopyLimits.B2B_SEGMENT_LENGTH;
import static io.blockraft.target.scsi.xcopy.CopyLimits.CSCD_DESCRIPTOR_LENGTH;
import static io.blockraft.target.scsi.xcopy.CopyLimits.HEADER_LENGTH;

import io.blockraft.target.scsi.dispatch.Cdb;
import io.blockraft.target.scsi.sense.ScsiException;
import io.blockraft.target.scsi.sense.SenseReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SPC-4 6.4.3 EXTENDED COPY (LID1) parameter list: the 16-byte header, the CSCD descriptors
 * (6.4.5; only the Identification descriptor E4h is supported) and the segment descriptors
 * (6.4.6; only block device to block device, 02h). Parsing is pure: it checks the list's shape
 * and fields and throws {@link ScsiException}; whether the named devices exist is checked later,
 * when the copy is planned.
 *
 * @param listId LIST IDENTIFIER
 * @param listIdUsage LIST ID USAGE (00b hold, 10b discard, 11b no list identifier)
 * @param cscds the CSCD descriptors in list order (their index is the CSCD descriptor ID)
 * @param segments the segment descriptors in list order
 */
public record XcopyParameterList(int listId, int listIdUsage, List<Cscd> cscds,
    List<BlockSegment> segments) {

  public static final int USAGE_HOLD = 0;
  public static final int USAGE_DISCARD = 2;
  public static final int USAGE_NO_LIST_ID = 3;
  public static final int CSCD_IDENTIFICATION = 0xE4;
  public static final int SEGMENT_BLOCK_TO_BLOCK = 0x02;

  /**
   * One Identification descriptor CSCD descriptor (SPC-4 6.4.5.3): a designator as in the Device
   * Identification VPD page, plus the block device type specific parameters (6.4.5.2.2).
   *
   * @param offset byte offset of the descriptor in the parameter list
   * @param peripheralDeviceType PERIPHERAL DEVICE TYPE (0: block device)
   * @param codeSet CODE SET of the designator
   * @param association ASSOCIATION of the designator
   * @param designatorType DESIGNATOR TYPE
   * @param designator the designator bytes
   */
  public record Cscd(int offset, int peripheralDeviceType, int codeSet, int association,
      int designatorType, byte[] designator) {}

  /**
   * One block device to block device segment descriptor (SPC-4 6.4.6.5).
   *
   * @param offset byte offset of the descriptor in the parameter list
   * @param destinationCount DC: NUMBER OF BLOCKS counts destination blocks
   * @param sourceIndex SOURCE CSCD DESCRIPTOR ID
   * @param destinationIndex DESTINATION CSCD DESCRIPTOR ID
   * @param blocks NUMBER OF BLOCKS
   * @param sourceLba SOURCE LOGICAL BLOCK ADDRESS
   * @param destinationLba DESTINATION LOGICAL BLOCK ADDRESS
   */
  public record BlockSegment(int offset, boolean destinationCount, int sourceIndex,
      int destinationIndex, int blocks, long sourceLba, long destinationLba) {}

  /**
   * Parses {@code p}, the first bytes of a parameter list of {@code parameterListLength} bytes
   * ({@code p} holds at least {@link CopyLimits#HEADER_LENGTH} and at most
   * {@link CopyLimits#MAX_PARAMETER_BYTES} of them).
   */
  public static XcopyParameterList parse(byte[] p, long parameterListLength) {
    if (parameterListLength < HEADER_LENGTH || p.length < HEADER_LENGTH) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    int listId = Cdb.u8(p, 0);
    int usage = (p[1] >>> 3) & 0x03;
    if (usage == 1) {
      throw ScsiException.invalidParameterField(1); // LIST ID USAGE 01b is reserved
    }
    if (usage == USAGE_NO_LIST_ID && listId != 0) {
      throw ScsiException.invalidParameterField(0);
    }
    int cscdLength = Cdb.u16(p, 2);
    long segmentLength = Cdb.u32(p, 8);
    long inlineLength = Cdb.u32(p, 12);
    if (cscdLength + segmentLength > CopyLimits.MAX_DESCRIPTOR_LIST_LENGTH) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    if (inlineLength > CopyLimits.MAX_INLINE_DATA_LENGTH) {
      throw new ScsiException(SenseReason.INLINE_DATA_LENGTH_EXCEEDED);
    }
    long needed = HEADER_LENGTH + cscdLength + segmentLength + inlineLength;
    if (parameterListLength < needed || p.length < needed) {
      throw new ScsiException(SenseReason.PARAMETER_LIST_LENGTH_ERROR);
    }
    List<Cscd> cscds = parseCscds(p, HEADER_LENGTH, cscdLength);
    List<BlockSegment> segments =
        parseSegments(p, HEADER_LENGTH + cscdLength, (int) segmentLength);
    return new XcopyParameterList(listId, usage, cscds, segments);
  }

  private static List<Cscd> parseCscds(byte[] p, int start, int length) {
    int end = start + length;
    List<Cscd> out = new ArrayList<>();
    int off = start;
    while (off < end) {
      int type = Cdb.u8(p, off);
      if (type != CSCD_IDENTIFICATION) {
        throw new ScsiException(SenseReason.UNSUPPORTED_TARGET_DESCRIPTOR_TYPE_CODE);
      }
      if (off + CSCD_DESCRIPTOR_LENGTH > end) {
        throw ScsiException.invalidParameterField(2); // CSCD DESCRIPTOR LIST LENGTH cuts it
      }
      if (out.size() == CopyLimits.MAX_CSCD_DESCRIPTORS) {
        throw new ScsiException(SenseReason.TOO_MANY_TARGET_DESCRIPTORS);
      }
      out.add(identification(p, off));
      off += CSCD_DESCRIPTOR_LENGTH;
    }
    return out;
  }

  /** SPC-4 6.4.5.3; the LU ID TYPE and NUL fields are ignored (obsolete / reserved in SPC-4). */
  private static Cscd identification(byte[] p, int off) {
    int peripheralType = p[off + 1] & 0x1f;
    int codeSet = p[off + 4] & 0x0f;
    int association = (p[off + 5] >>> 4) & 0x03;
    int designatorType = p[off + 5] & 0x0f;
    int designatorLength = Cdb.u8(p, off + 7);
    if (designatorLength > 20) { // the designator field is bytes 8..27
      throw ScsiException.invalidParameterField(off + 7);
    }
    byte[] designator = Arrays.copyOfRange(p, off + 8, off + 8 + designatorLength);
    return new Cscd(off, peripheralType, codeSet, association, designatorType, designator);
  }

  private static List<BlockSegment> parseSegments(byte[] p, int start, int length) {
    int end = start + length;
    List<BlockSegment> out = new ArrayList<>();
    int off = start;
    while (off < end) {
      if (off + 4 > end) {
        throw ScsiException.invalidParameterField(8); // SEGMENT DESCRIPTOR LIST LENGTH cuts it
      }
      int type = Cdb.u8(p, off);
      if (type != SEGMENT_BLOCK_TO_BLOCK) {
        throw new ScsiException(SenseReason.UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE_CODE);
      }
      if (Cdb.u16(p, off + 2) != B2B_SEGMENT_LENGTH - 4) {
        throw ScsiException.invalidParameterField(off + 2); // DESCRIPTOR LENGTH must be 0018h
      }
      if (off + B2B_SEGMENT_LENGTH > end) {
        throw ScsiException.invalidParameterField(8);
      }
      if (out.size() == CopyLimits.MAX_SEGMENT_DESCRIPTORS) {
        throw new ScsiException(SenseReason.TOO_MANY_SEGMENT_DESCRIPTORS);
      }
      out.add(new BlockSegment(off, (p[off + 1] & 0x02) != 0, Cdb.u16(p, off + 4),
          Cdb.u16(p, off + 6), Cdb.u16(p, off + 10), Cdb.u64(p, off + 12), Cdb.u64(p, off + 20)));
      off += B2B_SEGMENT_LENGTH;
    }
    return out;
  }
}
