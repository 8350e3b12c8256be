package io.blockraft.storage;

/** A run of logical blocks that are all mapped, or all deallocated (SBC-4 5.7 GET LBA STATUS). */
public record LbaExtent(long lba, long count, boolean mapped) {}
