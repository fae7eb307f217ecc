package io.dkv.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dkv.client.DkvClient;
import io.dkv.it.SecuredDkv;
import io.dkv.spring.boot.DkvAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** A Spring Boot application reaches a DKV with HTTPS and an access file through dkv.ssl-bundle and dkv.bearer-token. */
class SpringSecurityTest {

    @Test
    void theSslBundleAndTokenPropertiesConfigureTheClient() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, DkvAutoConfiguration.class))
                .withPropertyValues("dkv.servers=localhost:" + SecuredDkv.port(), "dkv.store=sec-spring",
                        "dkv.bearer-token=" + SecuredDkv.token("admin"), "dkv.ssl-bundle=dkv",
                        "spring.ssl.bundle.pem.dkv.truststore.certificate=file:" + SecuredDkv.authority().caFile("dkv-test"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    DkvClient client = context.getBean(DkvClient.class);
                    client.kv().put("greeting", "hello");
                    assertThat(client.kv().get("greeting").value()).isEqualTo("hello");
                });
    }
}
