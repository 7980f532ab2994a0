using Microsoft.Extensions.Logging;
using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Storage.RocksDb;

/// <summary>Source-generated log messages of the RocksDB store.</summary>
internal static partial class RocksDbLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "RocksDB node {Node} opened at {Path} with {Captures} change capture(s) to resume")]
    public static partial void NodeOpened(ILogger logger, NodeId node, string path, int captures);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Change capture {CaptureId} started on node {Node} for range {Range}")]
    public static partial void CaptureStarted(ILogger logger, string captureId, NodeId node, KeyRange range);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Change capture {CaptureId} stopped on node {Node}; its log is deleted")]
    public static partial void CaptureStopped(ILogger logger, string captureId, NodeId node);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Write fence raised on node {Node} for range {Range}")]
    public static partial void FenceRaised(ILogger logger, NodeId node, KeyRange range);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Debug, Message = "Write fence released on node {Node} for range {Range} after {Milliseconds} ms")]
    public static partial void FenceReleased(ILogger logger, NodeId node, KeyRange range, double milliseconds);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Range {Range} deleted on node {Node}")]
    public static partial void RangeDeleted(ILogger logger, KeyRange range, NodeId node);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "Change capture {CaptureId} resumed on node {Node} at sequence {NextSequence}")]
    public static partial void CaptureResumed(ILogger logger, string captureId, NodeId node, long nextSequence);
}
