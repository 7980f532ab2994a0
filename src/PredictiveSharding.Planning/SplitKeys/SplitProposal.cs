using PredictiveSharding.Keys;

namespace PredictiveSharding.Planning.SplitKeys;

/// <summary>A k-way split of a partition at sampled keys, with each child's share of the load and of the data.</summary>
/// <param name="Keys">Strictly ascending split keys, each a sampled key strictly inside the partition.</param>
/// <param name="LoadShares">Each child's share of the partition's load (by sample weight), left to right.</param>
/// <param name="SizeShares">
/// Each child's share of the partition's bytes: its share of the distinct sampled keys. Samples carry no sizes, so
/// the distinct keys they reach stand for the key count (a hot key, sampled often, still counts once).
/// </param>
/// <param name="MaxCost">The worst child against the targets (1 = exactly at a target).</param>
internal sealed record SplitProposal(ShardKey[] Keys, double[] LoadShares, double[] SizeShares, double MaxCost)
{
    public int Ways => LoadShares.Length;
}
