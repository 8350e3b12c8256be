package io.blockraft.target.scsi.xcopy;

import static io.blockraft.target.scsi.xcopy.XcopyLists.extendedCopyCdb;
import static io.blockraft.target.scsi.xcopy.XcopyLists.list;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.LogicalUnit;
import io.blockraft.target.scsi.Lun;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.LuIdentity;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExtendedCopyTest {
  private static final int BS = 512;
  private static final long BLOCKS = 8192;

  private final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  private Result xcopy(byte[] list) {
    return h.run(extendedCopyCdb(list.length), list);
  }

  private byte[] fill(LogicalUnit lu, long lba, int blocks, long seed) {
    byte[] data = new byte[blocks * lu.volume().logicalBlockSize()];
    new Random(seed).nextBytes(data);
    lu.volume().write(lba, blocks, ByteBuffer.wrap(data)).join();
    return data;
  }

  private static byte[] read(LogicalUnit lu, long lba, int blocks) {
    ByteBuffer b = ByteBuffer.allocate(blocks * lu.volume().logicalBlockSize());
    lu.volume().read(lba, blocks, b).join();
    return b.array();
  }

  private static int fieldPointer(Result r) {
    assertThat(r.sense()[15] & 0x80).as("SKSV").isNotZero();
    return ((r.sense()[16] & 0xff) << 8) | (r.sense()[17] & 0xff);
  }

  @Test
  void extendedCopy_startToEndOfLun_copiesTheBlocks() {
    byte[] data = fill(h.lu(), 0, 2048, 1);
    Result r = xcopy(list().target(h.lu()).segment(0, 0, 2048, 0, BLOCKS - 2048).build());
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(read(h.lu(), BLOCKS - 2048, 2048)).isEqualTo(data);
  }

  @Test
  void extendedCopy_betweenTwoLuns_copiesEverySegmentInOrder() {
    LogicalUnit other = h.addLun(1, BS, 4096, false);
    byte[] a = fill(h.lu(), 100, 300, 2);
    byte[] b = fill(h.lu(), 1000, 5, 3);
    Result r = xcopy(list().target(h.lu()).target(other)
        .segment(0, 1, 300, 100, 7)
        .segment(0, 1, 5, 1000, 4000)
        .segment(1, 0, 5, 4000, 6000).build());
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(read(other, 7, 300)).isEqualTo(a);
    assertThat(read(other, 4000, 5)).isEqualTo(b);
    assertThat(read(h.lu(), 6000, 5)).isEqualTo(b);
  }

  @Test
  void extendedCopy_overlappingForward_copiesAsIfReadFirst() {
    // 3000 blocks (three buffer steps) moved forward by 100 blocks on the same LU
    byte[] data = fill(h.lu(), 10, 3000, 4);
    Result r = xcopy(list().target(h.lu()).segment(0, 0, 3000, 10, 110).build());
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(read(h.lu(), 110, 3000)).isEqualTo(data);
  }

  @Test
  void extendedCopy_overlappingBackward_copiesAsIfReadFirst() {
    byte[] data = fill(h.lu(), 2100, 3000, 5);
    Result r = xcopy(list().target(h.lu()).segment(0, 0, 3000, 2100, 2000).build());
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(read(h.lu(), 2000, 3000)).isEqualTo(data);
  }

  @Test
  void extendedCopy_differentBlockSizes_copiesBytes() {
    LogicalUnit big = h.addLun(1, 4096, 64, false);
    byte[] data = fill(h.lu(), 0, 16, 6); // 8 KiB = two 4 KiB blocks
    Result r = xcopy(list().target(h.lu()).target(big).segment(0, 1, 16, 0, 3).build());
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(read(big, 3, 2)).isEqualTo(data);
  }

  @Test
  void extendedCopy_parameterListLengthZero_isGood() {
    Result r = h.run(extendedCopyCdb(0));
    assertThat(r.good()).isTrue();
    assertThat(r.dataOutRequests()).isZero();
  }

  @Test
  void extendedCopy_listShorterThanHeader_isParameterListLengthError() {
    Result r = h.run(extendedCopyCdb(15), new byte[15]);
    assertThat(r.is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_truncatedTargetDescriptor_isParameterListLengthError() {
    byte[] full = list().target(h.lu()).segment(0, 0, 2048, 0, BLOCKS - 2048).build();
    byte[] cut = Arrays.copyOf(full, 16 + 32 - 1);
    assertThat(xcopy(cut).is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).isTrue();
  }

  @Test
  void extendedCopy_truncatedSegmentDescriptor_isParameterListLengthError() {
    byte[] full = list().target(h.lu()).segment(0, 0, 2048, 0, BLOCKS - 2048).build();
    byte[] cut = Arrays.copyOf(full, full.length - 1);
    assertThat(xcopy(cut).is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).isTrue();
  }

  @Test
  void extendedCopy_oneTargetDescriptorTooMany_isTooManyTargetDescriptors() {
    XcopyLists l = list();
    for (int i = 0; i <= CopyLimits.MAX_CSCD_DESCRIPTORS; i++) {
      l.target(h.lu());
    }
    Result r = xcopy(l.segment(0, 0, 1, 0, 1).build());
    assertThat(r.is(SenseReason.TOO_MANY_TARGET_DESCRIPTORS)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_oneSegmentDescriptorTooMany_isTooManySegmentDescriptors() {
    XcopyLists l = list().target(h.lu());
    for (int i = 0; i <= CopyLimits.MAX_SEGMENT_DESCRIPTORS; i++) {
      l.segment(0, 0, 1, 0, 1);
    }
    Result r = xcopy(l.build());
    assertThat(r.is(SenseReason.TOO_MANY_SEGMENT_DESCRIPTORS)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_descriptorsBeyondMaximumListLength_isParameterListLengthError() {
    XcopyLists l = list();
    for (int i = 0; i <= CopyLimits.MAX_CSCD_DESCRIPTORS; i++) {
      l.target(h.lu());
    }
    int room = CopyLimits.MAX_DESCRIPTOR_LIST_LENGTH - (CopyLimits.MAX_CSCD_DESCRIPTORS + 1) * 32;
    for (int i = 0; i <= room / 28 + 1; i++) {
      l.segment(0, 0, 1, 0, 1);
    }
    Result r = xcopy(l.build());
    assertThat(r.is(SenseReason.PARAMETER_LIST_LENGTH_ERROR)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_fibreChannelTargetDescriptor_isUnsupportedTargetDescriptorType() {
    Result r = xcopy(list().target(0xE0, 0, new byte[16], BS).segment(0, 0, 1, 0, 1).build());
    assertThat(r.is(SenseReason.UNSUPPORTED_TARGET_DESCRIPTOR_TYPE_CODE)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_streamToStreamSegment_isUnsupportedSegmentDescriptorType() {
    Result r = xcopy(list().target(h.lu()).segmentHeader(0x03, 0x14).build());
    assertThat(r.is(SenseReason.UNSUPPORTED_SEGMENT_DESCRIPTOR_TYPE_CODE)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_wrongSegmentDescriptorLength_pointsAtTheLengthField() {
    byte[] p = list().target(h.lu()).segment(0, 0, 1, 0, 1).build();
    p[16 + 32 + 3] = 0x17;
    Result r = xcopy(p);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).as(r.toString()).isTrue();
    assertThat(fieldPointer(r)).isEqualTo(16 + 32 + 2);
  }

  @Test
  void extendedCopy_reservedLuIdType_isIgnored() {
    Result r = xcopy(list().target(0xE4, 0x80, LuIdentity.naa(h.lu()), BS)
        .segment(0, 0, 8, 0, 100).build());
    assertThat(r.good()).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_destinationIndexWithoutDescriptor_isCopyAborted() {
    Result r = xcopy(list().target(h.lu()).segment(0, 1, 2048, 0, BLOCKS - 2048).build());
    assertThat(r.is(SenseReason.UNREACHABLE_COPY_TARGET)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_beyondDestinationCapacity_isCopyAbortedAndWritesNothing() {
    fill(h.lu(), 0, 4, 7);
    Result r = xcopy(list().target(h.lu()).segment(0, 0, 4, 0, 8000)
        .segment(0, 0, 2048, 0, BLOCKS - 1).build());
    assertThat(r.senseKey()).as(r.toString()).isEqualTo(0x0A);
    assertThat(h.volume().isMapped(8000)).as("first segment not run").isFalse();
  }

  @Test
  void extendedCopy_unknownDesignator_isCopyTargetDeviceNotReachable() {
    byte[] naa = LuIdentity.naa(h.lu());
    naa[naa.length - 1] ^= 1;
    Result r = xcopy(list().target(0xE4, 0, naa, BS).segment(0, 0, 1, 0, 1).build());
    assertThat(r.is(SenseReason.COPY_TARGET_DEVICE_NOT_REACHABLE)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_tapeDeviceType_isIncorrectCopyTargetDeviceType() {
    Result r = xcopy(list().target(0xE4, 0x01, LuIdentity.naa(h.lu()), BS)
        .segment(0, 0, 1, 0, 1).build());
    assertThat(r.is(SenseReason.INCORRECT_COPY_TARGET_DEVICE_TYPE)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_toReadOnlyLun_isWriteProtected() {
    LogicalUnit ro = h.addLun(1, BS, 64, true);
    Result r = xcopy(list().target(h.lu()).target(ro).segment(0, 1, 1, 0, 1).build());
    assertThat(r.is(SenseReason.WRITE_PROTECTED)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_fromReadOnlyLun_isAllowed() {
    LogicalUnit ro = h.addLun(1, BS, 64, true);
    Result r = xcopy(list().target(ro).target(h.lu()).segment(0, 1, 1, 0, 1).build());
    assertThat(r.good()).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_destinationReservedByAnotherNexus_isReservationConflict() {
    LogicalUnit other = h.addLun(1, BS, 64, false);
    ItNexus holder = h.nexus("iqn.2024-01.test:holder");
    Result reserve = h.runLun(holder, Lun.encode(1), ScsiHarness.cdb(0x16, 0, 0, 0, 0, 0), null, 0);
    assertThat(reserve.good()).as(reserve.toString()).isTrue();
    Result r = xcopy(list().target(h.lu()).target(other).segment(0, 1, 1, 0, 1).build());
    assertThat(r.status()).isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
  }

  @Test
  void extendedCopy_segmentLongerThanMaximumSegmentLength_pointsAtNumberOfBlocks() {
    ScsiHarness big = ScsiHarness.create(4096, 1 << 20, false);
    int blocks = CopyLimits.MAX_SEGMENT_BYTES / 4096 + 1;
    byte[] p = list().target(big.lu()).segment(0, 0, blocks, 0, 1 << 19).build();
    Result r = big.run(extendedCopyCdb(p.length), p);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).as(r.toString()).isTrue();
    assertThat(fieldPointer(r)).isEqualTo(16 + 32 + 10);
  }

  @Test
  void extendedCopy_reservedListIdUsage_isInvalidFieldInParameterList() {
    Result r = xcopy(list().listId(1, 1).target(h.lu()).segment(0, 0, 1, 0, 1).build());
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    assertThat(fieldPointer(r)).isEqualTo(1);
  }

  @Test
  void extendedCopy_noListIdUsageWithNonZeroListId_isInvalidFieldInParameterList() {
    Result r = xcopy(list().listId(5, XcopyParameterList.USAGE_NO_LIST_ID).target(h.lu())
        .segment(0, 0, 1, 0, 1).build());
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_PARAMETER_LIST)).isTrue();
    assertThat(fieldPointer(r)).isEqualTo(0);
  }

  @Test
  void extendedCopy_inlineData_isInlineDataLengthExceeded() {
    byte[] p = list().inline(4).target(h.lu()).segment(0, 0, 1, 0, 1).build();
    byte[] withInline = Arrays.copyOf(p, p.length + 4);
    Result r = xcopy(withInline);
    assertThat(r.is(SenseReason.INLINE_DATA_LENGTH_EXCEEDED)).as(r.toString()).isTrue();
  }

  @Test
  void extendedCopy_lid4ServiceAction_isInvalidFieldInCdb() {
    byte[] cdb = extendedCopyCdb(0);
    cdb[1] = 0x01;
    assertThat(h.run(cdb).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void extendedCopy_longParameterList_fetchesOnlyWhatItCanUse() {
    byte[] p = list().target(h.lu()).segment(0, 0, 1, 0, 1).build();
    byte[] padded = Arrays.copyOf(p, CopyLimits.MAX_PARAMETER_BYTES + 4096);
    Result r = xcopy(padded);
    assertThat(r.good()).as(r.toString()).isTrue();
  }
}
