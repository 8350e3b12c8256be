package io.blockraft.target.iscsi.login;

import static io.blockraft.target.iscsi.login.LoginException.AUTHENTICATION_FAILURE;

import io.blockraft.target.iscsi.login.TextKeys.KeyValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * RFC 7143 12.1 (AuthMethod) and 12.1.3 (CHAP, with RFC 1994 MD5, algorithm 5) for the security
 * negotiation stage, target side:
 *
 * <pre>
 *   I-&gt;T AuthMethod=CHAP,...          T-&gt;I AuthMethod=CHAP          (AWAIT_METHOD -&gt; AWAIT_ALGORITHM)
 *   I-&gt;T CHAP_A=&lt;A1,A2..&gt;             T-&gt;I CHAP_A=5 CHAP_I CHAP_C   (-&gt; AWAIT_RESPONSE)
 *   I-&gt;T CHAP_N CHAP_R [CHAP_I CHAP_C] T-&gt;I [CHAP_N CHAP_R]          (-&gt; DONE)
 * </pre>
 *
 * AuthMethod=None is accepted only when no credentials are configured. A reflected challenge
 * (the initiator's CHAP_C equal to ours) fails the login. Secrets never appear in messages.
 */
final class ChapAuthenticator {
  /** Length of the challenge we send (bytes). */
  static final int CHALLENGE_LENGTH = 16;
  static final int CHAP_MD5 = 5;

  enum State { AWAIT_METHOD, AWAIT_ALGORITHM, AWAIT_RESPONSE, DONE }

  private final ChapCredentials credentials;
  private final Random random;
  private State state = State.AWAIT_METHOD;
  private int identifier;
  private byte[] challenge;

  /** @param credentials required credentials, or null when AuthMethod=None is acceptable */
  ChapAuthenticator(ChapCredentials credentials, Random random) {
    this.credentials = credentials;
    this.random = random;
  }

  State state() {
    return state;
  }

  /** Whether the security stage may end now. */
  boolean satisfied() {
    return state == State.DONE || (credentials == null && state == State.AWAIT_METHOD);
  }

  /** Whether we are in the middle of an exchange (the initiator owes us the next step). */
  boolean inProgress() {
    return state == State.AWAIT_ALGORITHM || state == State.AWAIT_RESPONSE;
  }

  /** True for the keys this class handles. */
  static boolean isSecurityKey(String key) {
    return key.equals("AuthMethod") || key.startsWith("CHAP_");
  }

  /**
   * Processes the security keys of one (complete) request text.
   *
   * @param keys the request's security keys by name (each at most once)
   * @param response where answers are added
   */
  void onKeys(Map<String, String> keys, List<KeyValue> response) throws LoginFailure {
    String method = keys.get("AuthMethod");
    if (method != null) {
      chooseMethod(method, response);
    }
    if (keys.containsKey("CHAP_A")) {
      chooseAlgorithm(keys.get("CHAP_A"), response);
    }
    boolean responseKeys = keys.containsKey("CHAP_N") || keys.containsKey("CHAP_R")
        || keys.containsKey("CHAP_I") || keys.containsKey("CHAP_C");
    if (responseKeys) {
      verify(keys, response);
    }
    for (String k : keys.keySet()) {
      if (!k.equals("AuthMethod") && !k.equals("CHAP_A") && !k.equals("CHAP_N")
          && !k.equals("CHAP_R") && !k.equals("CHAP_I") && !k.equals("CHAP_C")) {
        response.add(new KeyValue(k, "NotUnderstood"));
      }
    }
  }

  private void chooseMethod(String offered, List<KeyValue> response) throws LoginFailure {
    if (state != State.AWAIT_METHOD) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "AuthMethod offered again");
    }
    String wanted = credentials == null ? "None" : "CHAP";
    for (String m : offered.split(",", -1)) {
      if (m.equals(wanted)) {
        response.add(new KeyValue("AuthMethod", wanted));
        state = credentials == null ? State.AWAIT_METHOD : State.AWAIT_ALGORITHM;
        return;
      }
    }
    throw new LoginFailure(AUTHENTICATION_FAILURE, "AuthMethod " + wanted + " not offered",
        List.of(new KeyValue("AuthMethod", "Reject")));
  }

  private void chooseAlgorithm(String offered, List<KeyValue> response) throws LoginFailure {
    if (state != State.AWAIT_ALGORITHM) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "CHAP_A out of sequence");
    }
    for (String a : offered.split(",", -1)) {
      if (a.trim().equals(Integer.toString(CHAP_MD5))) {
        identifier = random.nextInt(256);
        challenge = new byte[CHALLENGE_LENGTH];
        random.nextBytes(challenge);
        response.add(new KeyValue("CHAP_A", Integer.toString(CHAP_MD5)));
        response.add(new KeyValue("CHAP_I", Integer.toString(identifier)));
        response.add(new KeyValue("CHAP_C", BinaryValue.hex(challenge)));
        state = State.AWAIT_RESPONSE;
        return;
      }
    }
    throw new LoginFailure(AUTHENTICATION_FAILURE, "no supported CHAP algorithm offered",
        List.of(new KeyValue("CHAP_A", "Reject")));
  }

  private void verify(Map<String, String> keys, List<KeyValue> response) throws LoginFailure {
    if (state != State.AWAIT_RESPONSE) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "CHAP response out of sequence");
    }
    String name = keys.get("CHAP_N");
    String r = keys.get("CHAP_R");
    if (name == null || r == null) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "CHAP_N or CHAP_R missing");
    }
    if (!name.equals(credentials.user())) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "unknown CHAP name");
    }
    byte[] expected = md5(identifier, credentials.secret(), challenge);
    if (!MessageDigest.isEqual(expected, decode(r, "CHAP_R"))) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "CHAP response mismatch");
    }
    String mi = keys.get("CHAP_I");
    String mc = keys.get("CHAP_C");
    if (mi != null || mc != null) {
      if (mi == null || mc == null) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "mutual CHAP needs both CHAP_I and CHAP_C");
      }
      if (credentials.mutualUser() == null || credentials.mutualSecret() == null) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "mutual CHAP requested but not configured");
      }
      int id;
      try {
        id = Integer.parseInt(mi.trim());
      } catch (NumberFormatException e) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "bad CHAP_I");
      }
      if (id < 0 || id > 255) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "bad CHAP_I");
      }
      byte[] theirChallenge = decode(mc, "CHAP_C");
      if (theirChallenge.length == 0) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "empty CHAP_C");
      }
      if (Arrays.equals(theirChallenge, challenge)) {
        throw new LoginFailure(AUTHENTICATION_FAILURE, "reflected CHAP challenge");
      }
      response.add(new KeyValue("CHAP_N", credentials.mutualUser()));
      response.add(new KeyValue("CHAP_R",
          BinaryValue.hex(md5(id, credentials.mutualSecret(), theirChallenge))));
    }
    challenge = null;
    state = State.DONE;
  }

  private static byte[] decode(String value, String key) throws LoginFailure {
    try {
      return BinaryValue.decode(value);
    } catch (IllegalArgumentException e) {
      throw new LoginFailure(AUTHENTICATION_FAILURE, "malformed " + key);
    }
  }

  /** RFC 1994: MD5(identifier || secret || challenge). */
  static byte[] md5(int identifier, String secret, byte[] challenge) {
    try {
      MessageDigest md = MessageDigest.getInstance("MD5");
      md.update((byte) identifier);
      md.update(secret.getBytes(StandardCharsets.UTF_8));
      md.update(challenge);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 unavailable", e);
    }
  }
}
