using Google.Protobuf;

namespace PredictiveSharding.Forecasting.Onnx;

/// <summary>
/// Builds one protobuf message field by field with <see cref="CodedOutputStream"/>. Nested messages are built
/// separately and embedded as length-delimited bytes, which is all the ONNX export needs.
/// </summary>
internal sealed class ProtoMessage : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly CodedOutputStream _output;

    public ProtoMessage() => _output = new CodedOutputStream(_buffer, leaveOpen: true);

    public ProtoMessage String(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
        return this;
    }

    public ProtoMessage Int64(int field, long value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt64(value);
        return this;
    }

    public ProtoMessage Int32(int field, int value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteInt32(value);
        return this;
    }

    public ProtoMessage Bytes(int field, byte[] value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoMessage Message(int field, ProtoMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Bytes(field, message.ToArray());
    }

    public byte[] ToArray()
    {
        _output.Flush();
        return _buffer.ToArray();
    }

    public void Dispose()
    {
        _output.Dispose();
        _buffer.Dispose();
    }
}
