package io.blockraft.target.scsi.dispatch;

import io.blockraft.target.scsi.ScsiResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Executes one command after the dispatcher's common checks passed. Parse the CDB first (pure,
 * throwing {@link io.blockraft.target.scsi.sense.ScsiException} for bad fields), then execute.
 * The returned future may complete exceptionally with a ScsiException (CHECK CONDITION),
 * {@link io.blockraft.replication.VolumeUnavailableException} (NOT READY) or anything else
 * (HARDWARE ERROR, logged).
 */
@FunctionalInterface
public interface CommandHandler {
  CompletableFuture<ScsiResponse> execute(CommandContext ctx);
}
