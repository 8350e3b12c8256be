package io.blockraft.target.iscsi.login;

import java.util.List;
import java.util.Set;

/**
 * What login and discovery need to know of one target.
 *
 * @param name iSCSI name (iqn....)
 * @param alias TargetAlias, or null
 * @param addresses SendTargets TargetAddress values: "host:port,tpgt" (RFC 7143 13.8), one per portal serving it
 * @param chap required CHAP credentials, or null when AuthMethod=None is accepted
 * @param allowedInitiators initiator names allowed to log in; empty = everyone
 */
public record TargetInfo(String name, String alias, List<String> addresses, ChapCredentials chap,
    Set<String> allowedInitiators) {}
