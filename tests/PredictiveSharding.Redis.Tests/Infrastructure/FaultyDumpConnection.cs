using System.Net;
using System.Reflection;
using StackExchange.Redis;

namespace PredictiveSharding.Redis.Tests.Infrastructure;

/// <summary>
/// A multiplexer that forwards everything to a real one, except that <c>DUMP</c> sent with <c>IServer.ExecuteAsync</c>
/// to <see cref="Address"/> times out (as <see cref="RedisTimeoutException"/>, or fails with <see cref="Fault"/>) while <see cref="FailuresLeft"/> is above
/// zero, counting down; the sampling reads of a slot move go that way. Every command sent with <c>IServer.ExecuteAsync</c>
/// is logged in <see cref="Sent"/>.
/// </summary>
public class FaultyDumpConnection : DispatchProxy
{
    private IConnectionMultiplexer _inner = null!;

    public string Address { get; private set; } = string.Empty;

    public int FailuresLeft { get; set; }

    public int Failed { get; private set; }

    /// <summary>The failure injected; a timeout unless a test sets another (e.g. a dropped connection).</summary>
    public Func<Exception> Fault { get; set; } = static () => new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response (injected by the test: DUMP)", CommandStatus.Sent);

    /// <summary>Called as each failure is injected, before it is returned (a test cancels its token here).</summary>
    public Action? OnFault { get; set; }

    /// <summary>Every command sent with <c>IServer.ExecuteAsync</c>, as (address, "COMMAND FIRSTARG").</summary>
    public List<(string Address, string Command)> Sent { get; } = [];

    public static (IConnectionMultiplexer Connection, FaultyDumpConnection Faults) Wrap(IConnectionMultiplexer inner, string address, int failures)
    {
        var connection = Create<IConnectionMultiplexer, FaultyDumpConnection>();
        var faults = (FaultyDumpConnection)(object)connection;
        faults._inner = inner;
        faults.Address = address;
        faults.FailuresLeft = failures;
        return (connection, faults);
    }

    internal Task<RedisResult>? Intercept(IServer server, MethodInfo method, object?[]? args)
    {
        if (method.Name != nameof(IServer.ExecuteAsync) || args is null || args.Length == 0 || args[0] is not string command)
        {
            return null;
        }

        lock (Sent)
        {
            var first = args.Length > 1 && args[1] is object[] { Length: > 0 } rest ? " " + rest[0] : string.Empty;
            Sent.Add((Format(server.EndPoint), command + first));
        }

        if (!string.Equals(command, "DUMP", StringComparison.OrdinalIgnoreCase) || Format(server.EndPoint) != Address)
        {
            return null;
        }

        lock (this)
        {
            if (FailuresLeft <= 0)
            {
                return null;
            }

            FailuresLeft--;
            Failed++;
        }

        OnFault?.Invoke();

        return Task.FromException<RedisResult>(Fault());
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var result = Forward(_inner, targetMethod!, args);
        return result is IServer server ? FaultyServer.Wrap(server, this) : result;
    }

    internal static object? Forward(object target, MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint?.ToString() ?? string.Empty,
    };
}
