package io.blockraft.target.scsi.dispatch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one opcode table. Command families register their rows ({@code SpcCommands},
 * {@code SbcCommands}, {@code PrCommands}); the dispatcher and REPORT SUPPORTED OPERATION CODES
 * both read it, so what we report is what we execute.
 */
public final class OpcodeTable {
  private final CommandSpec[] plain = new CommandSpec[256];
  private final Map<Integer, Map<Integer, CommandSpec>> withServiceAction = new TreeMap<>();

  public OpcodeTable register(CommandSpec spec) {
    if (spec.serviceAction() < 0) {
      if (plain[spec.opcode()] != null || withServiceAction.containsKey(spec.opcode())) {
        throw new IllegalStateException("opcode registered twice: " + spec.name());
      }
      plain[spec.opcode()] = spec;
    } else {
      if (plain[spec.opcode()] != null) {
        throw new IllegalStateException("opcode registered twice: " + spec.name());
      }
      Map<Integer, CommandSpec> m = withServiceAction.computeIfAbsent(spec.opcode(), k -> new TreeMap<>());
      if (m.put(spec.serviceAction(), spec) != null) {
        throw new IllegalStateException("service action registered twice: " + spec.name());
      }
    }
    return this;
  }

  /** True when the opcode uses service actions (CDB byte 1 bits 4..0). */
  public boolean hasServiceActions(int opcode) {
    return withServiceAction.containsKey(opcode);
  }

  /** The row for a CDB, or null when the opcode (or its service action) is not supported. */
  public CommandSpec lookup(byte[] cdb) {
    int op = cdb[0] & 0xff;
    CommandSpec s = plain[op];
    if (s != null) {
      return s;
    }
    Map<Integer, CommandSpec> m = withServiceAction.get(op);
    return m == null ? null : m.get(cdb[1] & 0x1f);
  }

  /** The row for an opcode + service action (-1 for none), or null. */
  public CommandSpec lookup(int opcode, int serviceAction) {
    if (serviceAction < 0) {
      return plain[opcode & 0xff];
    }
    Map<Integer, CommandSpec> m = withServiceAction.get(opcode);
    return m == null ? null : m.get(serviceAction);
  }

  /** All rows, ordered by opcode then service action. */
  public List<CommandSpec> all() {
    List<CommandSpec> out = new ArrayList<>();
    for (int op = 0; op < 256; op++) {
      if (plain[op] != null) {
        out.add(plain[op]);
      }
      Map<Integer, CommandSpec> m = withServiceAction.get(op);
      if (m != null) {
        out.addAll(m.values());
      }
    }
    return Collections.unmodifiableList(out);
  }
}
