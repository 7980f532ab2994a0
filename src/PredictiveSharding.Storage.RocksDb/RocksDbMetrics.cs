using System.Diagnostics.Metrics;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>Counters of the RocksDB store, on a meter named after the package so OpenTelemetry can pick them up by name.</summary>
internal static class RocksDbMetrics
{
    public const string MeterName = "PredictiveSharding.Storage.RocksDb";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> Writes { get; } = Meter.CreateCounter<long>("psharding.rocksdb.writes", "{write}", "Keys written or deleted (host and mover writes).");

    public static Counter<long> CapturedChanges { get; } = Meter.CreateCounter<long>("psharding.rocksdb.captured_changes", "{change}", "Writes appended to a change-capture log.");

    public static Counter<long> FenceWaits { get; } = Meter.CreateCounter<long>("psharding.rocksdb.fence_waits", "{wait}", "Writes that had to wait for a write fence.");
}
