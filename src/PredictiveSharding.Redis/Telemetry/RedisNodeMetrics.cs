using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Telemetry;

/// <summary>What one master's <c>INFO</c> says, with rates over the time since the previous reading.</summary>
/// <param name="Node">The master (its host:port).</param>
/// <param name="Timestamp">When it was read.</param>
/// <param name="CpuUtilization">Share of one core the server used since the previous reading (Redis executes commands on one thread), in [0, 1]; 0 on the first reading.</param>
/// <param name="UsedMemoryBytes"><c>used_memory</c>.</param>
/// <param name="DatasetBytes"><c>used_memory_dataset</c>: memory for keys and values, without overheads.</param>
/// <param name="MaxMemoryBytes"><c>maxmemory</c>; 0 when unlimited.</param>
/// <param name="Keys">Keys in database 0.</param>
/// <param name="TotalCommands"><c>total_commands_processed</c> since the server started.</param>
/// <param name="OpsPerSecond">Commands per second since the previous reading (<c>instantaneous_ops_per_sec</c> on the first).</param>
/// <param name="NetworkBytesPerSecond">Input plus output bytes per second (<c>instantaneous_input_kbps</c> + <c>instantaneous_output_kbps</c>).</param>
public sealed record RedisNodeMetrics(
    NodeId Node,
    DateTimeOffset Timestamp,
    double CpuUtilization,
    long UsedMemoryBytes,
    long DatasetBytes,
    long MaxMemoryBytes,
    long Keys,
    long TotalCommands,
    double OpsPerSecond,
    double NetworkBytesPerSecond)
{
    /// <summary>Average bytes of data per key (<see cref="DatasetBytes"/> / <see cref="Keys"/>); 0 for an empty node.</summary>
    public double BytesPerKey => Keys > 0 ? (double)DatasetBytes / Keys : 0;

    /// <summary>The reading as Core's node sample (no storage I/O: the adapter runs Redis without persistence in mind).</summary>
    public NodeResourceSample ToResourceSample() =>
        new(Node, Timestamp, Math.Clamp(CpuUtilization, 0, 1), UsedMemoryBytes, 0, NetworkBytesPerSecond);
}
