package io.blockraft.target.scsi.pr;

import io.blockraft.replication.WriteGuard;
import io.blockraft.target.scsi.ItNexus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The reservation tables once more, at apply time: a data change (WRITE, WRITE SAME, UNMAP,
 * COMPARE AND WRITE, ORWRITE, SANITIZE) carries the I_T nexus that issued it, and every replica
 * refuses it at its place in the log when the reservation state there (the value of {@value
 * PrTransform#KEY}) gives that nexus RESERVATION CONFLICT for a write (SPC-4 5.13.1 Table 66,
 * SPC-2 5.5.1).
 *
 * <p>Why twice: {@link Reservations#conflicts} judges a command against the state its node has
 * applied when the command arrives. A write judged at one node just before a PREEMPT, RESERVE or
 * registration change commits elsewhere can still reach the log after it; the initiator that
 * made the change has heard GOOD and relies on the fence (SPC-4 5.13.11.2.4: a preempted
 * nexus's commands are refused from then on). Judged again here, such a write changes nothing
 * on any replica and its initiator gets RESERVATION CONFLICT. The answer depends only on the log,
 * so every replica, and a replica replaying after a restart, reaches the same one.
 */
public final class PrWriteGuard implements WriteGuard {

  /** The last state decoded and its bytes: the state changes rarely, writes come often. */
  private volatile Decoded last = new Decoded(null, ReservationState.EMPTY);

  private record Decoded(byte[] value, ReservationState state) {}

  @Override
  public boolean permits(byte[] value, byte[] issuer) {
    if (value == null) {
      return true; // no registrations, no reservation
    }
    ReservationState state = state(value);
    if (state.isEmpty()) {
      return true;
    }
    ItNexus nexus = nexus(issuer);
    return nexus == null || !Reservations.refusesDataChange(state, nexus);
  }

  private ReservationState state(byte[] value) {
    Decoded d = last;
    if (!Arrays.equals(d.value(), value)) {
      d = new Decoded(value.clone(), PrTransform.valueOf(value));
      last = d;
    }
    return d.state();
  }

  /** The issuer bytes of {@code nexus}: what {@link PrWire} writes for a nexus. */
  static byte[] issuer(ItNexus nexus) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      PrWire.writeNexus(out, nexus);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The nexus {@code issuer} names, or null when it names none (then nothing is refused). */
  static ItNexus nexus(byte[] issuer) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(issuer))) {
      return PrWire.readNexus(in);
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }
}
