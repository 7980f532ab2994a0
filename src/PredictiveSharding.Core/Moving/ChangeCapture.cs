using PredictiveSharding.Keys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Moving;

/// <summary>A handle to a change feed opened on a node for a range.</summary>
/// <param name="Id">The caller's id of the feed (see <see cref="IDataMover.StartChangeCaptureAsync"/>); stable across a restart of the executor, so it can be journalled.</param>
/// <param name="Node">The node whose writes are captured.</param>
/// <param name="Range">The captured range.</param>
/// <param name="StartSequence">The node's next write sequence when the capture started: every write to the range with this sequence or a higher one is in the feed.</param>
public sealed record ChangeCapture(string Id, NodeId Node, KeyRange Range, long StartSequence);
