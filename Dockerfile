# blockraft node image: builds the target module and its dependencies, then runs
# `blockraft node --config /etc/blockraft/node.json` (mount the config; see docker-compose.yml).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY storage storage
COPY replication replication
COPY target target
COPY cluster-admin cluster-admin
RUN mvn -q -B -DskipTests -pl target -am package

FROM eclipse-temurin:17-jre
WORKDIR /opt/blockraft
COPY --from=build /src/storage/build/classes storage/
COPY --from=build /src/replication/build/classes replication/
COPY --from=build /src/target/build/classes target/
COPY --from=build /src/target/build/lib lib/
VOLUME /var/lib/blockraft
EXPOSE 3260 3261 9260
ENV BLOCKRAFT_JAVA_OPTS="-Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxDirectMemorySize=1g"
# exec form through sh so the JVM is PID 1's only child and gets SIGTERM (shutdown hook: stop
# portal, close store)
ENTRYPOINT ["sh", "-c", "exec java $BLOCKRAFT_JAVA_OPTS -Dio.netty.leakDetection.level=disabled -cp target:replication:storage:'lib/*' io.blockraft.target.node.Cli \"$@\"", "blockraft"]
CMD ["node", "--config", "/etc/blockraft/node.json"]
