using PredictiveSharding.Redis.Slots;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Redis.Migration.Journal;

/// <summary>A move the journal holds as begun and not ended.</summary>
internal sealed record JournalMove(string Id, PartitionId Partition, string From, string To, HashSlotRange Slots, bool RollingBack);
