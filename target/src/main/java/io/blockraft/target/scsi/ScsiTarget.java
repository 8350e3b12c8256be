package io.blockraft.target.scsi;

import io.blockraft.target.scsi.alua.AluaGroups;
import io.blockraft.target.scsi.alua.SingleNodeAluaGroups;
import io.blockraft.target.scsi.dispatch.Dispatcher;
import io.blockraft.target.scsi.dispatch.OpcodeTable;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One SCSI target device (an iSCSI target name): its LUN map and the dispatcher that runs
 * commands against it. Transport-agnostic: the iSCSI layer calls {@link #execute} and
 * {@link #taskManagement}.
 */
public final class ScsiTarget {
  private final String name;
  private final NavigableMap<Integer, LogicalUnit> luns = new ConcurrentSkipListMap<>();
  private final Dispatcher dispatcher;
  private volatile AluaGroups aluaGroups = SingleNodeAluaGroups.INSTANCE;
  private volatile TaskSetAborter taskSetAborter = TaskSetAborter.NONE;

  public ScsiTarget(String name) {
    this(name, Dispatcher.standardTable());
  }

  public ScsiTarget(String name, OpcodeTable table) {
    this.name = name;
    this.dispatcher = new Dispatcher(table, this);
  }

  public String name() {
    return name;
  }

  public void map(int lun, LogicalUnit lu) {
    luns.put(lun, lu);
    lu.reservations().mappedAt(this, lun); // PREEMPT AND ABORT from other nodes aborts here
  }

  public LogicalUnit lu(int lun) {
    return lun < 0 ? null : luns.get(lun);
  }

  public Map<Integer, LogicalUnit> luns() {
    return Collections.unmodifiableMap(luns);
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** The target port groups REPORT TARGET PORT GROUPS reports (SPC-4 6.37). */
  public AluaGroups aluaGroups() {
    return aluaGroups;
  }

  public void setAluaGroups(AluaGroups groups) {
    this.aluaGroups = groups;
  }

  /** How commands abort other I_T nexuses' tasks (SPC-4 5.13.11.2.5); the transport installs it. */
  public TaskSetAborter taskSetAborter() {
    return taskSetAborter;
  }

  public void setTaskSetAborter(TaskSetAborter aborter) {
    this.taskSetAborter = Objects.requireNonNull(aborter, "aborter");
  }

  /** Runs one command; completes {@code io} exactly once. */
  public void execute(ScsiTask task, TaskIo io) {
    dispatcher.execute(task, io);
  }

  /**
   * SAM-5 7 task management side effects on the SCSI state (unit attentions, reservations).
   * The transport aborts its own tasks; this only updates LU state.
   *
   * @return completes with the RFC 7143 11.6.1 response code: 0 complete, 1 task does not exist,
   *     2 LUN does not exist, 5 function not supported (a reset once the other nodes have it)
   */
  public CompletableFuture<Integer> taskManagement(ItNexus nexus, TmfFunction fn, long lunField) {
    return dispatcher.taskManagement(nexus, fn, lunField);
  }

  /**
   * The nexus ended (session closed or logged out); drops per-nexus state that SPC says does not
   * survive. Completes once the replicated part (an SPC-2 reservation's release) is applied here.
   */
  public java.util.concurrent.CompletableFuture<Void> nexusLost(ItNexus nexus) {
    java.util.List<java.util.concurrent.CompletableFuture<Void>> done = new java.util.ArrayList<>();
    for (LogicalUnit lu : luns.values()) {
      done.add(lu.reservations().nexusLost(nexus));
      lu.setRemovalPrevented(nexus, false); // SPC-4 6.13: prevent ends with the I_T nexus
    }
    return java.util.concurrent.CompletableFuture.allOf(done.toArray(new java.util.concurrent.CompletableFuture<?>[0]));
  }
}
