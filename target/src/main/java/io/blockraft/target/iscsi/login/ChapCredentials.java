package io.blockraft.target.iscsi.login;

/**
 * CHAP secrets of one target (RFC 7143 12.1.3). {@code mutualUser}/{@code mutualSecret} are the
 * target's own name and secret for mutual CHAP (null when the target does not authenticate to
 * initiators).
 */
public record ChapCredentials(String user, String secret, String mutualUser, String mutualSecret) {}
