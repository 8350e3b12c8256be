package io.blockraft.target.iscsi.portal;

import io.blockraft.target.iscsi.login.TargetCatalog;
import io.blockraft.target.iscsi.pdu.PduDecoder;
import io.blockraft.target.iscsi.pdu.PduEncoder;
import io.blockraft.target.iscsi.session.BufferBudget;
import io.blockraft.target.iscsi.session.IscsiConnection;
import io.blockraft.target.iscsi.session.SessionRegistry;
import io.blockraft.target.scsi.ScsiTarget;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An iSCSI network portal on Netty (RFC 7143 3.4.1): accepts TCP connections and gives each the
 * pipeline {@code PduDecoder -> PduEncoder -> IscsiConnection}. Native epoll when available, NIO
 * otherwise; TCP_NODELAY; write buffer water marks of 1/4 MiB.
 */
public final class PortalServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PortalServer.class);
  /** RFC 7143 13.12: login PDUs are limited to 8192 bytes of data until negotiated. */
  private static final int LOGIN_MAX_RECV_DATA_SEGMENT_LENGTH = 8192;

  private final PortalConfig cfg;
  private final TargetCatalog catalog;
  private final SessionRegistry registry;
  private final BufferBudget budget;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Channel serverChannel;

  /**
   * @param cfg the portal
   * @param catalog targets for login and discovery
   * @param targets SCSI target by iSCSI target name (null when there is none)
   */
  public PortalServer(PortalConfig cfg, TargetCatalog catalog, Function<String, ScsiTarget> targets) {
    this.cfg = cfg;
    this.catalog = catalog;
    this.registry = new SessionRegistry(targets, cfg.settings());
    this.budget = new BufferBudget(cfg.bufferBudget());
  }

  /** The portal's bound on buffered SCSI data (shared by all its connections). */
  public BufferBudget budget() {
    return budget;
  }

  /** Binds the portal; returns once it accepts connections. */
  public synchronized void start() throws InterruptedException {
    if (serverChannel != null) {
      throw new IllegalStateException("already started");
    }
    Class<? extends ServerChannel> epollChannel = epollServerChannel();
    boolean epoll = epollChannel != null;
    boss = new MultiThreadIoEventLoopGroup(1, epoll ? epollFactory() : NioIoHandler.newFactory());
    workers = new MultiThreadIoEventLoopGroup(0, epoll ? epollFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> channelType = epoll ? epollChannel : NioServerSocketChannel.class;
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(channelType)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast("pdu-decoder", new PduDecoder(LOGIN_MAX_RECV_DATA_SEGMENT_LENGTH))
                .addLast("pdu-encoder", new PduEncoder())
                .addLast("iscsi", new IscsiConnection(registry, catalog, budget));
          }
        });
    try {
      serverChannel = b.bind(cfg.host(), cfg.port()).sync().channel();
    } catch (InterruptedException | RuntimeException e) {
      shutdownGroups();
      throw e;
    }
    log.info("iSCSI portal listening on {}:{} (tpgt {}, {})", cfg.host(), boundPort(),
        cfg.portalGroupTag(), epoll ? "epoll" : "nio");
  }

  /*
   * Native epoll is a runtime-only dependency (the BOM scopes it so), hence reflection: the
   * classes are used when present and the native library loads, NIO otherwise.
   */
  private static Class<? extends ServerChannel> epollServerChannel() {
    try {
      Class<?> epoll = Class.forName("io.netty.channel.epoll.Epoll");
      if (!(Boolean) epoll.getMethod("isAvailable").invoke(null)) {
        return null;
      }
      return Class.forName("io.netty.channel.epoll.EpollServerSocketChannel")
          .asSubclass(ServerChannel.class);
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      return null;
    }
  }

  private static IoHandlerFactory epollFactory() {
    try {
      return (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
          .getMethod("newFactory").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("epoll available but its handler is not", e);
    }
  }

  /** The port actually bound (useful with port 0). */
  public synchronized int boundPort() {
    if (serverChannel == null) {
      throw new IllegalStateException("not started");
    }
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  /** The portal's sessions. */
  public SessionRegistry sessions() {
    return registry;
  }

  /** Stops accepting, closes every session, and shuts the event loops down. */
  public synchronized void stop() {
    if (serverChannel == null) {
      return;
    }
    serverChannel.close().syncUninterruptibly();
    serverChannel = null;
    registry.closeAll();
    shutdownGroups();
    log.info("iSCSI portal {}:{} stopped", cfg.host(), cfg.port());
  }

  private void shutdownGroups() {
    if (boss != null) {
      boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (workers != null) {
      workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    boss = null;
    workers = null;
  }

  @Override
  public void close() {
    stop();
  }
}
