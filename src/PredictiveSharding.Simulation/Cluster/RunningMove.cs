namespace PredictiveSharding.Simulation.Cluster;

/// <summary>A move in progress: it loads both ends during [StartStep, EndStep) and hands the partition over at EndStep.</summary>
internal sealed record RunningMove(SimPartition Partition, int From, int To, int StartStep, int EndStep, long Bytes);
