using System.Runtime.Versioning;
using PredictiveSharding.Redis.Local;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Local;

/// <summary>The local test cluster itself.</summary>
[Category("Redis")]
[NonParallelizable]
public sealed class LocalRedisClusterTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Test]
    [Platform(Exclude = "Win", Reason = "Unix file modes and a shell wrapper")]
    [UnsupportedOSPlatform("windows")]
    public async Task Start_WithAPassword_KeepsItOffTheServersCommandLinesAndInOwnerOnlyFiles()
    {
        // A process's command line is readable by every user of the machine (ps, /proc/<pid>/cmdline). redis-server
        // overwrites its own title once it runs, so the test records the arguments it was started with through a wrapper.
        const string Secret = "cmdline-Secret-51";
        var directory = Directory.CreateTempSubdirectory("psharding-local-redis-").FullName;
        try
        {
            var arguments = Path.Combine(directory, "arguments.log");
            var wrapper = Path.Combine(directory, "redis-server-wrapper");
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{arguments}'\nexec redis-server \"$@\"\n");
            File.SetUnixFileMode(wrapper, OwnerOnly | UnixFileMode.UserExecute);
            var nodes = Path.Combine(directory, "nodes");

            await using (var cluster = await LocalRedisCluster.StartAsync(new LocalRedisClusterOptions { FirstPort = 27600, Password = Secret, ServerPath = wrapper, Directory = nodes }, CancellationToken.None))
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
                Assert.That(await connection.GetDatabase().StringSetAsync("local:password", "set"), Is.True, "the password is required and the connection string carries it");
                await using var anonymous = await ConnectionMultiplexer.ConnectAsync(string.Join(",", cluster.Addresses) + ",abortConnect=false,connectTimeout=2000");
                Assert.That(async () => await anonymous.GetDatabase().StringSetAsync("local:anonymous", "x"), Throws.InstanceOf<RedisException>(), "a client without it is refused");
            }

            var started = await File.ReadAllLinesAsync(arguments);
            Assert.That(started.Count(a => a == "--port"), Is.EqualTo(3), "each master was started through the wrapper");
            Assert.That(started, Has.None.Contains(Secret));
            var withSecret = Directory.GetFiles(nodes).Where(f => File.ReadAllText(f).Contains(Secret, StringComparison.Ordinal)).ToList();
            Assert.That(withSecret, Has.Count.EqualTo(3), "one configuration file per master holds it");
            Assert.That(withSecret.Select(File.GetUnixFileMode), Has.All.EqualTo(OwnerOnly));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Start_AfterTheOptionsObjectIsChanged_KeepsTheSettingsItStartedWith()
    {
        // The options are validated when the cluster starts; a change to the same object afterwards (a password the servers
        // never got, a server path that does not exist) reached the connection string and RestartAsync.
        var options = new LocalRedisClusterOptions { FirstPort = 27650 };
        await using var cluster = await LocalRedisCluster.StartAsync(options, CancellationToken.None);
        options.Password = "late-Secret-52";
        options.ServerPath = Path.Combine(cluster.Directory, "no-such-redis-server");
        options.StartTimeout = TimeSpan.Zero;

        Assert.That(cluster.ConnectionString, Does.Not.Contain("late-Secret-52"));
        await cluster.RestartAsync(0, CancellationToken.None);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        Assert.That(await connection.GetServer(cluster.AddressOf(0)).PingAsync(), Is.GreaterThanOrEqualTo(TimeSpan.Zero), "the restarted master answers");
    }

    [Test]
    public async Task KillRestartAndAddressOf_WithAnIndexThatIsNoMaster_ThrowNamingItAndTheCount()
    {
        // An IndexOutOfRangeException with no index and no count in it.
        await using var cluster = await LocalRedisCluster.StartAsync(new LocalRedisClusterOptions { FirstPort = 27680 }, CancellationToken.None);

        Assert.That(() => cluster.Kill(3), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("3 masters").And.Message.Contains("got 3"));
        Assert.That(() => cluster.RestartAsync(-1, CancellationToken.None), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("got -1"));
        Assert.That(() => cluster.AddressOf(7), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("got 7"));
    }
}
