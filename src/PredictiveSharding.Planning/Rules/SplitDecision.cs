using PredictiveSharding.Planning.SplitKeys;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Planning.Rules;

/// <summary>A partition the rules split, how, and why.</summary>
/// <param name="Partition">Index of the partition in the load model.</param>
/// <param name="Proposal">Split keys and children's shares.</param>
/// <param name="NewPartitions">Ids of the children, left to right.</param>
/// <param name="Reason">Why it is split.</param>
internal sealed record SplitDecision(int Partition, SplitProposal Proposal, PartitionId[] NewPartitions, string Reason);
