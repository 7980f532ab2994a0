using PredictiveSharding.Topology;

namespace PredictiveSharding.Telemetry;

/// <summary>A node's resource use at one time, as the host measures it.</summary>
public sealed record NodeResourceSample
{
    /// <summary>Creates a sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is negative, NaN or infinite, or CPU is above 1.</exception>
    public NodeResourceSample(NodeId node, DateTimeOffset timestamp, double cpuUtilization, double memoryBytes, double ioBytesPerSecond, double networkBytesPerSecond)
    {
        Guard.FiniteNonNegative(cpuUtilization, nameof(cpuUtilization));
        if (cpuUtilization > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(cpuUtilization), cpuUtilization, $"CPU utilisation is a share of the node's CPU in [0, 1]; got {cpuUtilization}.");
        }

        Guard.FiniteNonNegative(memoryBytes, nameof(memoryBytes));
        Guard.FiniteNonNegative(ioBytesPerSecond, nameof(ioBytesPerSecond));
        Guard.FiniteNonNegative(networkBytesPerSecond, nameof(networkBytesPerSecond));
        Node = node;
        Timestamp = timestamp;
        CpuUtilization = cpuUtilization;
        MemoryBytes = memoryBytes;
        IoBytesPerSecond = ioBytesPerSecond;
        NetworkBytesPerSecond = networkBytesPerSecond;
    }

    /// <summary>The node.</summary>
    public NodeId Node { get; }

    /// <summary>When the sample was taken.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>CPU busy share in [0, 1].</summary>
    public double CpuUtilization { get; }

    /// <summary>Memory in use, bytes.</summary>
    public double MemoryBytes { get; }

    /// <summary>Storage I/O, bytes per second.</summary>
    public double IoBytesPerSecond { get; }

    /// <summary>Network traffic, bytes per second.</summary>
    public double NetworkBytesPerSecond { get; }
}
