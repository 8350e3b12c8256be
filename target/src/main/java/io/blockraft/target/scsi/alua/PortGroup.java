package io.blockraft.target.scsi.alua;

import java.util.List;
import java.util.Set;

/**
 * One target port group as REPORT TARGET PORT GROUPS describes it (SPC-4 6.37, Table 167).
 *
 * @param id target port group id (== node id)
 * @param state its asymmetric access state for the LU
 * @param preferred PREF bit
 * @param supported states this group may report (T_SUP, O_SUP, LBD_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP)
 * @param statusCode 00h no status, 01h altered by SET TARGET PORT GROUPS, 02h altered by implicit behaviour
 * @param relativePortIds the relative target port identifiers in the group
 */
public record PortGroup(int id, AccessState state, boolean preferred, Set<AccessState> supported,
    int statusCode, List<Integer> relativePortIds) {

  public PortGroup {
    supported = Set.copyOf(supported);
    relativePortIds = List.copyOf(relativePortIds);
  }

  /** Byte 1 of the descriptor. */
  public int supportBits() {
    int b = 0;
    for (AccessState s : supported) {
      b |= s.supportBit;
    }
    return b;
  }
}
