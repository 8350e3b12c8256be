package io.blockraft.storage;

class MemoryBlockStoreTest extends BlockStoreBehaviourTest {
  @Override
  protected BlockStore newStore() {
    return new MemoryBlockStore();
  }
}
