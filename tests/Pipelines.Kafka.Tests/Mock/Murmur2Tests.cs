using System.Text;
using Confluent.Kafka;
using Pipelines.Kafka.Tests.Support;

namespace Pipelines.Kafka.Tests.Mock;

/// <summary>
/// The partition a stage computes for a key is the one librdkafka's murmur2 partitioner gives the record (what the
/// repartition writer uses), so a key's state is in the key group of the partition its elements arrive on.
/// </summary>
public class Murmur2Tests
{
    [Fact]
    public async Task ThePartitionOfAKey_IsTheOneTheProducersMurmur2PartitionerPicks()
    {
        using var cluster = KafkaTestCluster.StartMock();
        string topic = KafkaTestCluster.UniqueName("murmur");
        int partitions = await cluster.CreateTopicAsync(topic);
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Partitioner = Partitioner.Murmur2 }).Build();
        var keys = Enumerable.Range(0, 200).Select(i => Encoding.UTF8.GetBytes(i % 3 == 0 ? $"{i}" : $"{{\"card\":{i},\"name\":\"k{i}\"}}")).ToList();
        foreach (var key in keys)
        {
            var delivered = await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = key, Value = [] });
            delivered.Partition.Value.Should().Be(Murmur2.Partition(key, partitions), "key {0}", Encoding.UTF8.GetString(key));
        }
    }

    [Fact]
    public void TheHash_MatchesKafkasOwnTestVectors()
    {
        // org.apache.kafka.common.utils.UtilsTest.testMurmur2
        ((int)Murmur2.Hash("21"u8)).Should().Be(-973932308);
        ((int)Murmur2.Hash("foobar"u8)).Should().Be(-790332482);
        ((int)Murmur2.Hash("a-little-bit-long-string"u8)).Should().Be(-985981536);
        ((int)Murmur2.Hash("a-little-bit-longer-string"u8)).Should().Be(-1486304829);
        ((int)Murmur2.Hash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"u8)).Should().Be(-58897971);
        ((int)Murmur2.Hash("abc"u8)).Should().Be(479470107);
    }
}
