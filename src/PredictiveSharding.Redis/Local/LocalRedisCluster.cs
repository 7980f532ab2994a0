using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PredictiveSharding.Redis.Local;

/// <summary>
/// A Redis Cluster of local <c>redis-server</c> processes on 127.0.0.1, for tests, samples and trying the adapter out:
/// starts the masters in a temporary folder, creates the cluster with <c>redis-cli --cluster create</c>, waits for
/// <c>cluster_state:ok</c>, and on dispose kills the processes and deletes the folder. Never for production.
/// </summary>
public sealed class LocalRedisCluster : IAsyncDisposable, IDisposable
{
    private const string Host = "127.0.0.1";
    private readonly LocalRedisClusterOptions _options;
    private readonly Process?[] _processes;
    private readonly bool _ownsDirectory;
    private int _disposed;

    private LocalRedisCluster(LocalRedisClusterOptions options, string directory, bool ownsDirectory, IReadOnlyList<int> ports)
    {
        _options = options;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Ports = ports;
        _processes = new Process?[ports.Count];
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The masters' client ports.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The folder holding node files and logs.</summary>
    public string Directory { get; }

    /// <summary>The masters' addresses, <c>127.0.0.1:port</c>.</summary>
    public IReadOnlyList<string> Addresses => [.. Ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Host}:{p}"))];

    /// <summary>A StackExchange.Redis configuration string naming every master, with admin commands allowed (and the password, when <see cref="LocalRedisClusterOptions.Password"/> is set).</summary>
    public string ConnectionString => string.Join(",", Addresses) + ",allowAdmin=true,abortConnect=false" + (_options.Password is { } password ? ",password=" + password : string.Empty);

    /// <summary>Starts the servers and creates the cluster.</summary>
    /// <param name="options">Settings (null for the defaults); copied and validated here, so changing them afterwards does not affect this cluster.</param>
    /// <param name="cancellationToken">Cancels the start; what was started is stopped.</param>
    /// <exception cref="ArgumentException">A setting is out of range (<see cref="LocalRedisClusterOptions.Validate"/>).</exception>
    /// <exception cref="InvalidOperationException">redis-server or redis-cli is not installed, a server did not start, or the cluster did not become healthy in time; the message says which and how to fix it.</exception>
    public static async Task<LocalRedisCluster> StartAsync(LocalRedisClusterOptions? options, CancellationToken cancellationToken)
    {
        // A copy, validated: the settings are read again by ConnectionString and RestartAsync long after this, and a change
        // to the caller's object afterwards (unvalidated, and never given to the running servers) must not reach them.
        options = options?.Copy() ?? new LocalRedisClusterOptions();
        options.Validate();
        var ownsDirectory = options.Directory is null;
        var directory = options.Directory ?? System.IO.Directory.CreateTempSubdirectory("psharding-redis-").FullName;
        System.IO.Directory.CreateDirectory(directory);
        var cluster = new LocalRedisCluster(options, directory, ownsDirectory, FreePorts(options.FirstPort, options.Masters));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            for (var i = 0; i < cluster.Ports.Count; i++)
            {
                cluster.StartServer(i);
            }

            foreach (var port in cluster.Ports)
            {
                await cluster.WaitForAsync(port, ["PING"], reply => reply.Contains("PONG", StringComparison.Ordinal), timeout.Token).ConfigureAwait(false);
            }

            var create = await RunCliAsync(options.CliPath, options.Password, ["--cluster", "create", .. cluster.Addresses, "--cluster-replicas", "0", "--cluster-yes"], timeout.Token).ConfigureAwait(false);
            if (!create.Contains("All 16384 slots covered", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"redis-cli --cluster create did not cover every slot:\n{create}");
            }

            await cluster.WaitUntilHealthyAsync(timeout.Token).ConfigureAwait(false);
            return cluster;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The local Redis cluster did not become healthy within {options.StartTimeout}; see the logs in '{directory}'.");
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The address of master <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not from 0 to the number of masters less one.</exception>
    public string AddressOf(int index)
    {
        CheckIndex(index);
        return Addresses[index];
    }

    /// <summary>Kills master <paramref name="index"/> at once (SIGKILL), as a crash would.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not from 0 to the number of masters less one.</exception>
    public void Kill(int index)
    {
        CheckIndex(index);
        var process = _processes[index];
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>Starts master <paramref name="index"/> again with its node file (and append-only file, when enabled) and waits until it answers.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not from 0 to the number of masters less one.</exception>
    public async Task RestartAsync(int index, CancellationToken cancellationToken)
    {
        CheckIndex(index);
        Kill(index);
        StartServer(index);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        await WaitForAsync(Ports[index], ["PING"], reply => reply.Contains("PONG", StringComparison.Ordinal), timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Waits until every running master reports <c>cluster_state:ok</c> and all 16,384 slots served.</summary>
    public async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        foreach (var port in Ports)
        {
            await WaitForAsync(
                port,
                ["CLUSTER", "INFO"],
                reply => reply.Contains("cluster_state:ok", StringComparison.Ordinal) && reply.Contains("cluster_slots_ok:16384", StringComparison.Ordinal) &&
                         reply.Contains(string.Create(CultureInfo.InvariantCulture, $"cluster_known_nodes:{Ports.Count}"), StringComparison.Ordinal),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills every server and deletes the folder when it was created here.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Kills every server and deletes the folder when it was created here.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        KillAll();
        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A server that was still closing a file; the folder is under the temp folder and harmless.
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => KillAll();

    /// <summary>A master's index, checked here: the arrays it indexes threw an IndexOutOfRangeException naming neither it nor the count.</summary>
    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Ports.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, string.Create(CultureInfo.InvariantCulture, $"The local cluster has {Ports.Count} masters, numbered 0 to {Ports.Count - 1}; got {index}."));
        }
    }

    private void KillAll()
    {
        for (var i = 0; i < _processes.Length; i++)
        {
            try
            {
                Kill(i);
            }
            catch (InvalidOperationException)
            {
                // Never started or already gone.
            }

            _processes[i]?.Dispose();
            _processes[i] = null;
        }
    }

    private void StartServer(int index)
    {
        var port = Ports[index].ToString(CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo(_options.ServerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_options.Password is { } password)
        {
            // In a file only its owner can read, never on the command line, which every user of the machine can read (ps,
            // /proc/<pid>/cmdline) for as long as the server runs. redis-server takes a configuration file as its first
            // argument. masterauth too, as a production cluster would have it: a replica (or a master demoted to one) must
            // authenticate to its master.
            info.ArgumentList.Add(WriteSecretsFile(port, password));
        }

        foreach (var argument in new[]
        {
            "--port", port, "--bind", Host, "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
            "--cluster-node-timeout", ((long)_options.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "--dir", Directory, "--save", string.Empty, "--appendonly", _options.AppendOnly ? "yes" : "no",
            "--appendfsync", "always", "--appendfilename", "appendonly-" + port + ".aof", "--appenddirname", "aof-" + port,
            "--daemonize", "no", "--logfile", Path.Combine(Directory, "redis-" + port + ".log"),
        })
        {
            info.ArgumentList.Add(argument);
        }


        try
        {
            var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{_options.ServerPath}'.");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _processes[index] = process;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"'{_options.ServerPath}' could not be run ({e.Message}). Install Redis 7: on Debian or Ubuntu 'apt-get install -y redis-server' (it brings redis-cli too), or set LocalRedisClusterOptions.ServerPath.", e);
        }
    }

    /// <summary>
    /// Writes <c>requirepass</c> and <c>masterauth</c> to <c>secrets-port.conf</c> in <see cref="Directory"/>, created
    /// afresh with mode 0600 (owner read and write) so that no other user can read it at any moment; returns its path.
    /// </summary>
    private string WriteSecretsFile(string port, string password)
    {
        var path = Path.Combine(Directory, "secrets-" + port + ".conf");
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // The password has no quote, backslash or space (LocalRedisClusterOptions.Validate), so quoting it is exact.
        using var writer = new StreamWriter(path, Encoding.ASCII, options);
        writer.Write($"requirepass \"{password}\"\nmasterauth \"{password}\"\n");
        return path;
    }

    private async Task WaitForAsync(int port, string[] command, Func<string, bool> ready, CancellationToken cancellationToken)
    {
        string last = string.Empty;
        while (true)
        {
            try
            {
                last = await RunCliAsync(_options.CliPath, _options.Password, ["-h", Host, "-p", port.ToString(CultureInfo.InvariantCulture), .. command], cancellationToken).ConfigureAwait(false);
                if (ready(last))
                {
                    return;
                }
            }
            catch (InvalidOperationException e) when (e.InnerException is Win32Exception)
            {
                throw;
            }
            catch (InvalidOperationException e)
            {
                last = e.Message;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Redis on port {port} did not answer '{string.Join(' ', command)}' as expected in time; last reply: {last.Trim()}; logs in '{Directory}'."));
            }
        }
    }

    private static async Task<string> RunCliAsync(string cli, string? password, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (password is not null)
        {
            // redis-cli reads REDISCLI_AUTH (also for --cluster create); unlike -a it does not warn on every call.
            info.Environment["REDISCLI_AUTH"] = password;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{cli}'.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"'{cli}' could not be run ({e.Message}). Install Redis 7: on Debian or Ubuntu 'apt-get install -y redis-server' (it brings redis-cli too), or set LocalRedisClusterOptions.CliPath.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var text = await output.ConfigureAwait(false) + await error.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{cli} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {text.Trim()}");
            }

            return text;
        }
    }

    private static int[] FreePorts(int first, int count)
    {
        var ports = new List<int>();
        for (var port = first; ports.Count < count; port++)
        {
            if (port > 55000)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"No {count} free port pairs (port and port + 10000) from {first} up on 127.0.0.1."));
            }

            if (IsFree(port) && IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
