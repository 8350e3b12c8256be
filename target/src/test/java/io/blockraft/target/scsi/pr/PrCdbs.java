package io.blockraft.target.scsi.pr;

import static org.assertj.core.api.Assertions.assertThat;

import io.blockraft.target.scsi.ItNexus;
import io.blockraft.target.scsi.ScsiHarness;
import io.blockraft.target.scsi.ScsiHarness.Result;
import io.blockraft.target.scsi.ScsiStatus;
import io.blockraft.target.scsi.dispatch.Cdb;
import java.nio.charset.StandardCharsets;

/** CDBs and parameter lists for the reservation tests (as libiscsi's iscsi-support.c sends them). */
final class PrCdbs {
  static final int WE = 1;
  static final int EA = 3;
  static final int WE_RO = 5;
  static final int EA_RO = 6;
  static final int WE_AR = 7;
  static final int EA_AR = 8;

  private final ScsiHarness h;

  PrCdbs(ScsiHarness h) {
    this.h = h;
  }

  static void good(Result r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(ScsiStatus.GOOD);
  }

  static void conflict(Result r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(ScsiStatus.RESERVATION_CONFLICT);
  }

  static byte[] prin(int sa, int allocation) {
    byte[] c = new byte[10];
    c[0] = 0x5E;
    c[1] = (byte) sa;
    Cdb.put16(c, 7, allocation);
    return c;
  }

  static byte[] prout(int sa, int type, int length) {
    byte[] c = new byte[10];
    c[0] = 0x5F;
    c[1] = (byte) sa;
    c[2] = (byte) type; // scope LU
    Cdb.put32(c, 5, length);
    return c;
  }

  static byte[] basic(long key, long sark, int flags) {
    byte[] p = new byte[24];
    Cdb.put64(p, 0, key);
    Cdb.put64(p, 8, sark);
    p[20] = (byte) flags;
    return p;
  }

  /** An iSCSI TransportID, format 01b (initiator port) when isid is non-null. */
  static byte[] transportId(String name, String isid) {
    String text = isid == null ? name : name + ",i,0x" + isid;
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    int addl = Math.max(20, (b.length + 1 + 3) & ~3);
    byte[] t = new byte[4 + addl];
    t[0] = (byte) ((isid == null ? 0 : 0x40) | 0x05);
    Cdb.put16(t, 2, addl);
    System.arraycopy(b, 0, t, 4, b.length);
    return t;
  }

  Result prout(ItNexus n, int sa, int type, long key, long sark, int flags) {
    byte[] p = basic(key, sark, flags);
    return h.run(n, prout(sa, type, p.length), p, p.length);
  }

  Result register(ItNexus n, long key, long sark) {
    return prout(n, 0, 0, key, sark, 0);
  }

  Result registerAndIgnore(ItNexus n, long sark) {
    return prout(n, 6, 0, 0, sark, 0);
  }

  Result reserve(ItNexus n, long key, int type) {
    return prout(n, 1, type, key, 0, 0);
  }

  Result release(ItNexus n, long key, int type) {
    return prout(n, 2, type, key, 0, 0);
  }

  Result clear(ItNexus n, long key) {
    return prout(n, 3, 0, key, 0, 0);
  }

  Result preempt(ItNexus n, long key, long sark, int type) {
    return prout(n, 4, type, key, sark, 0);
  }

  Result readKeys(ItNexus n) {
    return h.run(n, prin(0, 16384), null, 16384);
  }

  Result readReservation(ItNexus n) {
    return h.run(n, prin(1, 16384), null, 16384);
  }

  Result read10(ItNexus n) {
    return h.run(n, ScsiHarness.cdb(0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0), null, 512);
  }

  Result write10(ItNexus n) {
    byte[] data = new byte[512];
    return h.run(n, ScsiHarness.cdb(0x2a, 0, 0, 0, 0, 1, 0, 0, 1, 0), data, data.length);
  }

  Result reserve6(ItNexus n) {
    return h.run(n, ScsiHarness.cdb(0x16, 0, 0, 0, 0, 0), null, 0);
  }

  Result release6(ItNexus n) {
    return h.run(n, ScsiHarness.cdb(0x17, 0, 0, 0, 0, 0), null, 0);
  }

  Result testUnitReady(ItNexus n) {
    return h.run(n, ScsiHarness.cdb(0, 0, 0, 0, 0, 0), null, 0);
  }
}
