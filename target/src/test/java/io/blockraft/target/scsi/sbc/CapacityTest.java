package io.blockraft.target.scsi.sbc;

import static io.blockraft.target.scsi.sbc.Cdbs.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.sense.SenseReason;
import org.junit.jupiter.api.Test;

/** READ CAPACITY(10/16) and GET LBA STATUS. */
class CapacityTest {
  static final int BS = 512;
  static final long BLOCKS = 4096;
  final ScsiHarness h = ScsiHarness.create(BS, BLOCKS, false);

  @Test
  void readCapacity10_reportsLastLbaAndBlockLength() {
    Result r = h.run(ScsiHarness.cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assertThat(r.good()).isTrue();
    assertThat(r.data()).hasSize(8);
    assertThat(r.u32(0)).isEqualTo(BLOCKS - 1);
    assertThat(r.u32(4)).isEqualTo(BS);
  }

  @Test
  void readCapacity10_capacityBeyond32Bits_saturates() {
    ScsiHarness big = ScsiHarness.create(4096, 0x1_0000_0010L, false);
    Result r = big.run(ScsiHarness.cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assertThat(r.u32(0)).isEqualTo(0xFFFF_FFFFL);
    Result r16 = big.run(serviceActionIn16(0x10, 0, 32));
    assertThat(r16.u64(0)).isEqualTo(0x1_0000_000FL);
  }

  @Test
  void readCapacity16_reportsProvisioningAndPhysicalBlockExponent() {
    Result r = h.run(serviceActionIn16(0x10, 0, 32));
    assertThat(r.good()).isTrue();
    assertThat(r.data()).hasSize(32);
    assertThat(r.u64(0)).isEqualTo(BLOCKS - 1);
    assertThat(r.u32(8)).isEqualTo(BS);
    assertThat(r.u8(12)).isZero(); // no protection
    assertThat(r.u8(13) & 0x0f).isEqualTo(3); // 8 logical blocks per 4 KiB physical block
    assertThat(r.u8(14) & 0xc0).isEqualTo(0xc0); // LBPME, LBPRZ
    ScsiHarness k4 = ScsiHarness.create(4096, 100, false);
    assertThat(k4.run(serviceActionIn16(0x10, 0, 32)).u8(13) & 0x0f).isZero();
  }

  @Test
  void resize_raisesCapacityDataHasChangedOnEveryNexus_andTheNewCapacityIsServed() {
    var a = h.nexus();
    var b = h.newNexus("iqn.2024-01.test:other");
    h.run(a, ScsiHarness.cdb(0, 0, 0, 0, 0, 0), null, 0);
    h.run(b, ScsiHarness.cdb(0, 0, 0, 0, 0, 0), null, 0);
    h.drainUnitAttentions(a);
    h.drainUnitAttentions(b);
    byte[] beyond = cdb10(0x28, 0, BLOCKS, 1);
    assertThat(h.run(a, beyond, null, BS).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();

    h.lu().resize(2 * BLOCKS).join();

    for (var n : java.util.List.of(a, b)) {
      Result ua = h.run(n, ScsiHarness.cdb(0, 0, 0, 0, 0, 0), null, 0);
      assertThat(ua.is(SenseReason.CAPACITY_DATA_HAS_CHANGED)).as(ua.toString()).isTrue();
      assertThat(h.run(n, serviceActionIn16(0x10, 0, 32), null, 32).u64(0))
          .isEqualTo(2 * BLOCKS - 1);
    }
    Result read = h.run(a, beyond, null, BS);
    assertThat(read.good()).isTrue();
    assertThat(read.data()).containsOnly(0);
  }

  @Test
  void readCapacity16_smallAllocationLength_truncatesWithoutError() {
    for (int i = 0; i < 16; i++) {
      Result r = h.run(serviceActionIn16(0x10, 0, i));
      assertThat(r.good()).isTrue();
      assertThat(r.data()).hasSize(i);
    }
  }

  @Test
  void getLbaStatus_reportsMappedAndDeallocatedExtentsFromTheStartingLba() {
    h.run(h.nexus(), cdb10(0x2a, 0, 8, 8), filled(8 * BS, 1), 8 * BS);
    Result r = h.run(serviceActionIn16(0x12, 9, 1024));
    assertThat(r.good()).isTrue();
    assertThat(r.u32(0)).isEqualTo(4 + 16 * 2);
    assertThat(r.u64(8)).isEqualTo(9);
    assertThat(r.u32(16)).isEqualTo(7);
    assertThat(r.u8(20) & 0x0f).isEqualTo(0); // mapped
    assertThat(r.u64(24)).isEqualTo(16);
    assertThat(r.u32(32)).isEqualTo(BLOCKS - 16);
    assertThat(r.u8(36) & 0x0f).isEqualTo(1); // deallocated
  }

  @Test
  void getLbaStatus_allocationLength24_returnsOneDescriptor() {
    h.run(h.nexus(), cdb10(0x2a, 0, 8, 8), filled(8 * BS, 1), 8 * BS);
    Result r = h.run(serviceActionIn16(0x12, 0, 24));
    assertThat(r.data()).hasSize(24);
    assertThat(r.u64(8)).isZero();
    assertThat(r.u32(16)).isEqualTo(8);
    assertThat(r.u8(20) & 0x0f).isEqualTo(1);
  }

  @Test
  void getLbaStatus_startingLbaBeyondLastLba_isLbaOutOfRange() {
    assertThat(h.run(serviceActionIn16(0x12, BLOCKS, 24)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(serviceActionIn16(0x12, BLOCKS + 1, 24)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(serviceActionIn16(0x12, Long.MIN_VALUE, 24)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(serviceActionIn16(0x12, -1L, 24)).is(SenseReason.LBA_OUT_OF_RANGE)).isTrue();
    assertThat(h.run(serviceActionIn16(0x12, BLOCKS - 1, 24)).good()).isTrue();
  }
}
