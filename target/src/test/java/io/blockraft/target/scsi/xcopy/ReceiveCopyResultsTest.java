package io.blockraft.target.scsi.xcopy;

import static io.blockraft.target.scsi.xcopy.XcopyLists.extendedCopyCdb;
import static io.blockraft.target.scsi.xcopy.XcopyLists.list;
import static io.blockraft.target.scsi.xcopy.XcopyLists.receiveCopyResultsCdb;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

class ReceiveCopyResultsTest {
  private final ScsiHarness h = ScsiHarness.create(512, 8192, false);

  private Result xcopy(ItNexus n, byte[] p) {
    return h.run(n, extendedCopyCdb(p.length), p, p.length);
  }

  @Test
  void operatingParameters_reportTheLimitsExtendedCopyEnforces() {
    Result r = h.run(receiveCopyResultsCdb(0x03, 0, 1024));
    assertThat(r.good()).isTrue();
    assertThat(r.u32(0)).isEqualTo(r.data().length - 4);
    assertThat(r.data().length).isGreaterThanOrEqualTo(44);
    assertThat(r.u8(4) & 1).as("SNLID").isEqualTo(1);
    assertThat(r.u16(8)).isEqualTo(CopyLimits.MAX_CSCD_DESCRIPTORS);
    assertThat(r.u16(10)).isEqualTo(CopyLimits.MAX_SEGMENT_DESCRIPTORS);
    assertThat(r.u32(12)).isEqualTo(CopyLimits.MAX_DESCRIPTOR_LIST_LENGTH);
    assertThat(r.u32(16)).isEqualTo(CopyLimits.MAX_SEGMENT_BYTES);
    assertThat(r.u8(37)).as("data segment granularity").isEqualTo(9);
    assertThat(r.u8(43)).isEqualTo(2);
    assertThat(r.u8(44)).isEqualTo(0x02);
    assertThat(r.u8(45)).isEqualTo(0xE4);
  }

  @Test
  void operatingParameters_truncatedToAllocationLength() {
    Result r = h.run(receiveCopyResultsCdb(0x03, 0, 12));
    assertThat(r.good()).isTrue();
    assertThat(r.data()).hasSize(12);
  }

  @Test
  void copyStatus_noCopyWithThatListId_isInvalidFieldInCdb() {
    Result r = h.run(receiveCopyResultsCdb(0x00, 1, 1024));
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
    assertThat(r.sense()[17]).isEqualTo((byte) 2);
  }

  @Test
  void copyStatus_afterHeldCopy_reportsCompletionSegmentsAndBytes() {
    Result x = xcopy(h.nexus(), list().listId(1, XcopyParameterList.USAGE_HOLD).target(h.lu())
        .segment(0, 0, 2048, 0, 8192 - 2048).segment(0, 0, 8, 0, 10).build());
    assertThat(x.good()).as(x.toString()).isTrue();
    Result r = h.run(receiveCopyResultsCdb(0x00, 1, 1024));
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(r.u32(0)).isEqualTo(8);
    assertThat(r.u8(4)).as("completed, no errors").isEqualTo(1);
    assertThat(r.u16(5)).as("segments processed").isEqualTo(2);
    assertThat(r.u8(7)).as("bytes").isEqualTo(0);
    assertThat(r.u32(8)).isEqualTo((2048 + 8) * 512L);
  }

  @Test
  void copyStatus_isPerNexus() {
    xcopy(h.nexus(), list().listId(1, XcopyParameterList.USAGE_HOLD).target(h.lu())
        .segment(0, 0, 8, 0, 10).build());
    ItNexus other = h.nexus("iqn.2024-01.test:other");
    Result r = h.run(other, receiveCopyResultsCdb(0x00, 1, 1024), null, 1024);
    assertThat(r.is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void copyStatus_afterDiscardedCopy_isInvalidFieldInCdb() {
    xcopy(h.nexus(), list().listId(1, XcopyParameterList.USAGE_DISCARD).target(h.lu())
        .segment(0, 0, 8, 0, 10).build());
    assertThat(h.run(receiveCopyResultsCdb(0x00, 1, 1024)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void failedSegmentDetails_afterFailedHeldCopy_carryTheSense() {
    Result x = xcopy(h.nexus(), list().listId(7, XcopyParameterList.USAGE_HOLD).target(h.lu())
        .segment(0, 1, 8, 0, 10).build());
    assertThat(x.is(SenseReason.UNREACHABLE_COPY_TARGET)).isTrue();
    Result status = h.run(receiveCopyResultsCdb(0x00, 7, 1024));
    assertThat(status.u8(4)).as("completed with error").isEqualTo(2);
    Result r = h.run(receiveCopyResultsCdb(0x04, 7, 1024));
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(r.u8(56)).isEqualTo(ScsiStatus.CHECK_CONDITION);
    int senseLength = r.u16(58);
    assertThat(senseLength).isEqualTo(18);
    assertThat(r.u8(60 + 2) & 0x0f).isEqualTo(0x0A);
    assertThat(r.u8(60 + 12)).isEqualTo(0x08);
    assertThat(r.u32(0)).isEqualTo(56 + senseLength);
    // delivered once
    assertThat(h.run(receiveCopyResultsCdb(0x04, 7, 1024)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void receiveData_isNotSupported() {
    assertThat(h.run(receiveCopyResultsCdb(0x01, 0, 1024)).is(SenseReason.INVALID_FIELD_IN_CDB)).isTrue();
  }

  @Test
  void reportSupportedOperationCodes_listsTheCopyCommands() {
    // REPORT SUPPORTED OPERATION CODES, one command: EXTENDED COPY service action 0
    Result r = h.run(ScsiHarness.cdb(0xA3, 0x0C, 0x02, 0x83, 0x00, 0x00, 0, 0, 0x01, 0x00, 0, 0));
    assertThat(r.good()).as(r.toString()).isTrue();
    assertThat(r.u8(1) & 0x07).as("SUPPORT: supported").isEqualTo(3);
  }
}
