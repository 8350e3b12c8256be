package io.blockraft.target.iscsi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BufferBudgetTest {
  private final BufferBudget budget = new BufferBudget(100);
  private final List<String> grants = new ArrayList<>();

  @Test
  void tryAcquire_takesWhatFits_andRefusesTheRest() {
    assertThat(budget.tryAcquire(60)).isTrue();
    assertThat(budget.tryAcquire(50)).isFalse();
    assertThat(budget.tryAcquire(40)).isTrue();
    assertThat(budget.used()).isEqualTo(100);
    assertThat(budget.saturated()).isTrue();
    budget.release(100);
    assertThat(budget.used()).isZero();
    assertThat(budget.saturated()).isFalse();
  }

  @Test
  void acquire_grantsAtOnceWhenItFits_elseInFifoOrderAsBytesReturn() {
    budget.acquire(70, () -> grants.add("a"));
    budget.acquire(50, () -> grants.add("b"));
    budget.acquire(10, () -> grants.add("c")); // fits, but waits behind b: FIFO, no starvation
    assertThat(grants).containsExactly("a");
    assertThat(budget.tryAcquire(10)).as("nobody jumps the queue").isFalse();
    budget.release(70);
    assertThat(grants).containsExactly("a", "b", "c");
    assertThat(budget.used()).isEqualTo(60);
  }

  @Test
  void cancel_withdrawsAWaitingRequest_andUnblocksThoseBehindIt() {
    budget.acquire(90, () -> grants.add("a"));
    BufferBudget.Ticket b = budget.acquire(50, () -> grants.add("b"));
    budget.acquire(10, () -> grants.add("c"));
    assertThat(b.cancel()).isTrue();
    assertThat(grants).containsExactly("a", "c");
    budget.release(100);
    assertThat(grants).containsExactly("a", "c");
    assertThat(budget.used()).isZero();
  }

  @Test
  void cancel_ofAGrantedRequest_saysSo() {
    BufferBudget.Ticket t = budget.acquire(10, () -> grants.add("a"));
    assertThat(t.cancel()).isFalse();
    assertThat(budget.used()).isEqualTo(10);
  }

  @Test
  void force_mayGoOverTheCapacity_andReliefComesOnceBackUnder() {
    budget.force(150);
    assertThat(budget.saturated()).isTrue();
    budget.whenRelieved(() -> grants.add("relieved"));
    budget.release(40);
    assertThat(grants).isEmpty(); // 110 still over
    budget.release(20);
    assertThat(grants).containsExactly("relieved");
    budget.release(90);
    assertThat(grants).containsExactly("relieved"); // once
    budget.whenRelieved(() -> grants.add("now"));
    assertThat(grants).containsExactly("relieved", "now");
  }

  @Test
  void saturated_whileAnyoneWaits() {
    budget.acquire(60, () -> { });
    budget.acquire(60, () -> grants.add("b"));
    assertThat(budget.used()).isEqualTo(60);
    assertThat(budget.saturated()).isTrue();
  }

  @Test
  void requestsOutsideTheCapacity_areRejected() {
    assertThatThrownBy(() -> budget.acquire(101, () -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("101");
    assertThatThrownBy(() -> budget.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BufferBudget(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void releasingMoreThanTaken_isABug() {
    budget.force(10);
    assertThatThrownBy(() -> budget.release(11)).isInstanceOf(IllegalStateException.class);
  }
}
