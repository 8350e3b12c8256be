package io.blockraft.target.scsi;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.target.scsi.pr.Reservations;
import io.blockraft.target.scsi.sense.SenseReason;
import io.blockraft.target.scsi.spc.ModePages;
import io.blockraft.target.scsi.ua.UnitAttentions;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One logical unit: a volume plus the SCSI state SPC keeps per LU (unit attentions, reservations,
 * mode pages). The same volume has the same LU identity on every node and every target port.
 */
public final class LogicalUnit {
  private final ReplicatedVolume volume;
  private final boolean readOnly;
  private final String productId;
  private final UnitAttentions unitAttentions = new UnitAttentions();
  private final Reservations reservations;
  private final ModePages modePages;
  private volatile boolean removalPrevented;
  /** I_T nexuses that sent PREVENT ALLOW MEDIUM REMOVAL with PREVENT=1 (SPC-4 6.13: per nexus). */
  private final Set<ItNexus> preventingNexuses = ConcurrentHashMap.newKeySet();
  private volatile boolean removable;
  private volatile boolean mediumPresent = true;

  public LogicalUnit(ReplicatedVolume volume, boolean readOnly) {
    this.volume = volume;
    this.readOnly = readOnly;
    this.productId = "blockraft";
    this.reservations = new Reservations(this);
    this.modePages = new ModePages(this);
  }

  public ReplicatedVolume volume() {
    return volume;
  }

  /**
   * The volume as {@code nexus} changes it: its data changes carry the nexus, so that every
   * replica judges them against the reservation state at their place in the log ({@link
   * io.blockraft.target.scsi.pr.PrWriteGuard}). Commands that change data go through this.
   */
  public ReplicatedVolume volumeFor(ItNexus nexus) {
    return volume.issuedBy(reservations.issuer(nexus));
  }

  /**
   * Changes the capacity while the LU is served. Once the volume has its new size, every I_T
   * nexus gets CAPACITY DATA HAS CHANGED (SPC-4 5.11, SBC-4 4.6: the device server reports a
   * changed capacity with this unit attention), so initiators read the capacity again before
   * relying on it. Blocks beyond a smaller size are gone and read as zeros if it grows back.
   */
  public CompletableFuture<Void> resize(long newBlockCount) {
    return volume.resize(newBlockCount).thenRun(
        () -> unitAttentions.establishAll(SenseReason.CAPACITY_DATA_HAS_CHANGED, null));
  }

  /**
   * Write-protected LU (SBC-4 4.11): media-modifying commands get DATA PROTECT / WRITE PROTECTED.
   * True for a read-only LU and while the control mode page's SWP bit is set (SPC-4 7.5.8).
   */
  public boolean readOnly() {
    return readOnly || modePages.softwareWriteProtect();
  }

  /** Configured read-only (independent of the SWP bit). */
  public boolean configuredReadOnly() {
    return readOnly;
  }

  public String productId() {
    return productId;
  }

  public UnitAttentions unitAttentions() {
    return unitAttentions;
  }

  public Reservations reservations() {
    return reservations;
  }

  public ModePages modePages() {
    return modePages;
  }

  /** PREVENT ALLOW MEDIUM REMOVAL state (SBC-4 5.13): true while any I_T nexus prevents removal. */
  public boolean removalPrevented() {
    return removalPrevented || !preventingNexuses.isEmpty();
  }

  /** Sets (or, with false, clears for every nexus: LU reset, target reset) the prevent state. */
  public void setRemovalPrevented(boolean prevented) {
    this.removalPrevented = prevented;
    if (!prevented) {
      preventingNexuses.clear();
    }
  }

  /** SPC-4 6.13 PREVENT ALLOW MEDIUM REMOVAL from one I_T nexus (cleared again on its loss). */
  public void setRemovalPrevented(ItNexus nexus, boolean prevented) {
    if (prevented) {
      preventingNexuses.add(nexus);
    } else {
      preventingNexuses.remove(nexus);
    }
  }

  /**
   * RMB (SPC-4 6.6.2): the LU emulates removable medium, so START STOP UNIT with LOEJ can eject
   * and load it. Off by default.
   */
  public boolean removable() {
    return removable;
  }

  public void setRemovable(boolean removable) {
    this.removable = removable;
  }

  /** False while a removable medium is ejected: medium access then gets NOT READY, MEDIUM NOT PRESENT. */
  public boolean mediumPresent() {
    return mediumPresent;
  }

  public void setMediumPresent(boolean present) {
    this.mediumPresent = present;
  }
}
