package io.blockraft.target.scsi;

import io.blockraft.replication.ReplicatedVolume;
import io.blockraft.target.scsi.pr.Reservations;
import io.blockraft.target.scsi.spc.ModePages;
import io.blockraft.target.scsi.ua.UnitAttentions;

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

  /** Write-protected LU (SBC-4 4.11): media-modifying commands get DATA PROTECT / WRITE PROTECTED. */
  public boolean readOnly() {
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

  /** PREVENT ALLOW MEDIUM REMOVAL state (SBC-4 5.13). */
  public boolean removalPrevented() {
    return removalPrevented;
  }

  public void setRemovalPrevented(boolean prevented) {
    this.removalPrevented = prevented;
  }
}
