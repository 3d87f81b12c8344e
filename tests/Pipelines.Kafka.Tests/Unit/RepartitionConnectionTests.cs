using Confluent.Kafka;

namespace Pipelines.Kafka.Tests.Unit;

/// <summary>A repartition topic on a secured cluster reaches it as the Kafka source upstream does.</summary>
public class RepartitionConnectionTests
{
    private static RepartitionTopic Resolve(ConsumerConfig sourceConfig, KafkaRepartitionOptions options)
    {
        var source = new KafkaSource<string, string>(new() { BootstrapServers = "broker:9093", GroupId = "orders", Topics = ["in"], ConsumerConfig = sourceConfig });
        var exchange = new KafkaRepartition<string, string>(x => x, options, StateSerializers.Json<string>(), StateSerializers.Json<string>());
        new PipelineBuilder("secured").From(source).Select(r => r.Value ?? "").Through(exchange);
        return exchange.Topic!;
    }

    private static ConsumerConfig Secured() => new()
    {
        SecurityProtocol = SecurityProtocol.SaslSsl,
        SaslMechanism = SaslMechanism.Plain,
        SaslUsername = "app",
        SaslPassword = "secret",
        SslCaLocation = "/etc/ca.pem",
        SessionTimeoutMs = 12_000,
    };

    [Fact]
    public void TheProducerConsumerAndTopicCreation_UseTheUpstreamSourcesSecuritySettings_NotItsOtherSettings()
    {
        // They used the repartition options' settings alone: on a SASL/SSL cluster the run failed at start.
        var topic = Resolve(Secured(), new KafkaRepartitionOptions());
        foreach (var settings in new[] { topic.ProducerSettings(), topic.ConsumerSettings(), topic.AdminSettings() })
        {
            settings.Should().Contain("security.protocol", "sasl_ssl").And.Contain("sasl.username", "app").And.Contain("sasl.password", "secret")
                .And.Contain("ssl.ca.location", "/etc/ca.pem").And.NotContainKey("session.timeout.ms");
        }

        topic.AdminSettings().Should().Contain("bootstrap.servers", "broker:9093");
    }

    [Fact]
    public void TheRepartitionOptionsOwnSettings_Win()
    {
        var topic = Resolve(Secured(), new KafkaRepartitionOptions
        {
            ProducerConfig = new ProducerConfig { SaslUsername = "writer", LingerMs = 20 },
            ConsumerConfig = new ConsumerConfig { SaslUsername = "reader" },
        });
        topic.ProducerSettings().Should().Contain("sasl.username", "writer").And.Contain("linger.ms", "20").And.Contain("sasl.password", "secret");
        topic.ConsumerSettings().Should().Contain("sasl.username", "reader").And.Contain("sasl.password", "secret");
        topic.AdminSettings().Should().Contain("sasl.username", "writer");
    }

    [Fact]
    public void ATopicOnOtherBrokers_TakesNoSettingsFromTheSource()
    {
        var topic = Resolve(Secured(), new KafkaRepartitionOptions { BootstrapServers = "other:9092", Partitions = 4 });
        topic.ProducerSettings().Should().NotContainKey("sasl.username");
        topic.ConsumerSettings().Should().NotContainKey("security.protocol");
    }
}
