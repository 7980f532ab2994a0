using System.Globalization;
using PredictiveSharding.Redis.Slots;

namespace PredictiveSharding.Redis.Cluster;

/// <summary>Parses the text <c>CLUSTER NODES</c> returns (the format nodes.conf uses).</summary>
internal static class ClusterNodesParser
{
    public static IReadOnlyList<ClusterNode> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var nodes = new List<ClusterNode>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8)
            {
                throw new FormatException($"A CLUSTER NODES line needs at least 8 fields; got '{line}'.");
            }

            // ip:port@cport[,hostname]: the client address is what clients and MIGRATE use.
            var address = fields[1];
            var at = address.IndexOf('@', StringComparison.Ordinal);
            if (at >= 0)
            {
                address = address[..at];
            }

            var flags = new HashSet<string>(fields[2].Split(',', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
            var slots = new List<HashSlotRange>();
            var migrating = new Dictionary<int, string>();
            var importing = new Dictionary<int, string>();
            for (var i = 8; i < fields.Length; i++)
            {
                ParseSlotField(fields[i], slots, migrating, importing);
            }

            nodes.Add(new ClusterNode(fields[0], address, flags, long.Parse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture), slots, migrating, importing));
        }

        return nodes;
    }

    private static void ParseSlotField(string field, List<HashSlotRange> slots, Dictionary<int, string> migrating, Dictionary<int, string> importing)
    {
        if (field.StartsWith('['))
        {
            // [slot->-target] (migrating) or [slot-<-source] (importing).
            var body = field.Trim('[', ']');
            var migratingAt = body.IndexOf("->-", StringComparison.Ordinal);
            if (migratingAt > 0)
            {
                migrating[int.Parse(body.AsSpan(0, migratingAt), NumberStyles.None, CultureInfo.InvariantCulture)] = body[(migratingAt + 3)..];
                return;
            }

            var importingAt = body.IndexOf("-<-", StringComparison.Ordinal);
            if (importingAt > 0)
            {
                importing[int.Parse(body.AsSpan(0, importingAt), NumberStyles.None, CultureInfo.InvariantCulture)] = body[(importingAt + 3)..];
                return;
            }

            throw new FormatException($"Unknown open-slot marker '{field}' in CLUSTER NODES.");
        }

        var dash = field.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var slot = int.Parse(field, NumberStyles.None, CultureInfo.InvariantCulture);
            slots.Add(new HashSlotRange(slot, slot + 1));
        }
        else
        {
            var first = int.Parse(field.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture);
            var last = int.Parse(field.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture);
            slots.Add(new HashSlotRange(first, last + 1));
        }
    }
}
